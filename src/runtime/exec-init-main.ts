/**
 * Entry point of `exec`'s process: `node exec-init-main.js` (everything it needs arrives on
 * the sync socket, fd 3). Small and separate so it loads only the runtime, not the CLI.
 */
// First of all: non-dumpable. Until it is inside the container, this process holds the host's
// root, cwd and fds; non-dumpable, /proc/PID/{root,cwd,fd,mem} and ptrace need CAP_SYS_PTRACE
// over it (and it lives in the host's PID namespace, where the container cannot name it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('../sys/libc') as typeof import('../sys/libc')).setDumpable(false);
// Then the code cache (compile-cache.ts), as the container's init does: the exec process's
// modules are on exec's critical path. What it compiled afresh is saved before it joins the
// container (exec-init.ts): at exit its /var/cache would be the container's.
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('../compile-cache') as typeof import('../compile-cache')).installCompileCache();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { execInit } = require('./exec-init') as typeof import('./exec-init');

execInit();
