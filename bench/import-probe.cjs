// Loads the bundle named by the only argument in this fresh process and
// prints the wall time and the process CPU time (user and system, all
// threads) of require(), in milliseconds, as JSON.
const cpuBefore = process.cpuUsage();
const start = process.hrtime.bigint();
require(process.argv[2]);
const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }));
