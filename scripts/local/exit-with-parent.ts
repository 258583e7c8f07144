// Loaded (`node --import`) into every process `npm start` runs, which gives each an IPC channel. The
// channel closes when `npm start` goes away, even killed with SIGKILL, where it could not stop anything
// itself: the child then stops as it would on SIGTERM, so no service is left listening as an orphan.
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
// The channel alone must not keep a process alive: a migration still exits when it is done.
process.channel?.unref();
