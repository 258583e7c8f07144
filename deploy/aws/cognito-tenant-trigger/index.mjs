// Cognito post-confirmation trigger: a user who signed themselves up (and so could not choose a tenant,
// the app client may not write custom:tenant_id) joins the deployment's default store. Users an admin
// created with a tenant keep theirs. The AWS SDK v3 ships with the Node.js Lambda runtime.
import {
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';

const client = new CognitoIdentityProviderClient({});

export async function handler(event) {
  const attributes = event.request?.userAttributes ?? {};
  if (event.triggerSource === 'PostConfirmation_ConfirmSignUp' && !attributes['custom:tenant_id']) {
    await client.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: event.userPoolId,
        Username: event.userName,
        UserAttributes: [{ Name: 'custom:tenant_id', Value: process.env.DEFAULT_TENANT }],
      }),
    );
  }
  return event;
}
