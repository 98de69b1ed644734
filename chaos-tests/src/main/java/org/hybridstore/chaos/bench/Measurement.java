package org.hybridstore.chaos.bench;

import org.jspecify.annotations.Nullable;

/**
 * One side of one round of a pair: a closed loop of a fixed number of workers, counted over the
 * measured window only.
 *
 * @param name what was measured, e.g. {@code raw CAS txn}
 * @param inFlight requests in flight (workers)
 * @param opsPerSecond operations that completed as expected within the window, per second
 * @param p50Ms median latency of those operations
 * @param p99Ms 99th percentile latency of those operations
 * @param ok operations that completed as expected within the window
 * @param other operations that completed, but not as the pair expects (a STRONG command
 *     acknowledged PROVISIONAL by the in-call fallback, a compare-and-swap whose compare failed);
 *     not counted in the throughput
 * @param errors operations that failed or timed out within the window
 * @param firstError the first failure, for the report, or {@code null}
 * @param cpuMicrosPerOp this process's CPU time in the window (the stores, the clients, the JIT
 *     compiler and the garbage collector) per operation counted; NaN where unknown
 * @param etcdCpuMicrosPerOp the etcd members' CPU time in the window per operation counted; NaN
 *     where unknown
 * @param compileMillis the JIT compiler's compile time in the window (elapsed, summed over its
 *     threads); -1 where unknown
 */
public record Measurement(
    String name,
    int inFlight,
    double opsPerSecond,
    double p50Ms,
    double p99Ms,
    long ok,
    long other,
    long errors,
    @Nullable String firstError,
    double cpuMicrosPerOp,
    double etcdCpuMicrosPerOp,
    long compileMillis) {}
