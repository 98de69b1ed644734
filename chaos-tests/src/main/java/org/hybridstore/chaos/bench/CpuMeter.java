package org.hybridstore.chaos.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Reads, at the edges of a measured window, the CPU time this process has used (the stores, the
 * clients, the JIT compiler and the garbage collector), the JIT compiler's time, and the CPU time
 * of the etcd members, so that each side of a pair is reported per operation as well as per second.
 *
 * <p>Why: on the shared 2-core machine the throughput of one window moves by 10 % or more with
 * whatever else runs, while CPU per operation is what a change to the code moves; and the JIT
 * compiler alone took a fifth of the CPU in some windows (docs/performance.md), which the compile
 * time of the window now shows.
 *
 * <p>etcd's CPU comes from {@code /proc/<pid>/stat} (user plus system time in clock ticks of 10 ms,
 * Linux's {@code USER_HZ} of 100); a member that restarted within the window, or a system without
 * {@code /proc}, makes it unknown.
 */
final class CpuMeter {
  /** Nanoseconds per clock tick of {@code /proc/<pid>/stat} (USER_HZ = 100). */
  static final long NANOS_PER_TICK = 10_000_000L;

  /** A meter that knows no etcd member. */
  static final CpuMeter PROCESS_ONLY = new CpuMeter(List::of);

  private final Supplier<List<Long>> etcdPids;

  /**
   * Creates a meter.
   *
   * @param etcdPids the etcd members' current process ids, asked at every reading
   */
  CpuMeter(Supplier<List<Long>> etcdPids) {
    this.etcdPids = etcdPids;
  }

  /**
   * What was read at one instant.
   *
   * @param processNanos this process's CPU time, or -1 if the JVM cannot tell
   * @param compileMillis the JIT compiler's accumulated compile time (elapsed, summed over its
   *     threads), or -1 if the JVM cannot tell
   * @param etcdTicks each etcd member's CPU time by pid, in clock ticks; null if one could not be
   *     read
   */
  record Reading(long processNanos, long compileMillis, @Nullable Map<Long, Long> etcdTicks) {}

  /** Reads now. */
  Reading read() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long compile =
        jit != null && jit.isCompilationTimeMonitoringSupported()
            ? jit.getTotalCompilationTime()
            : -1;
    Map<Long, Long> ticks = new HashMap<>();
    for (long pid : etcdPids.get()) {
      long t = ticks(Path.of("/proc", Long.toString(pid), "stat"));
      if (t < 0) {
        return new Reading(Machine.processCpuNanos(), compile, null);
      }
      ticks.put(pid, t);
    }
    return new Reading(Machine.processCpuNanos(), compile, ticks);
  }

  /**
   * The window between two readings, per operation.
   *
   * @param ops operations counted in the window
   * @return CPU microseconds per operation of this process and of etcd (NaN where unknown or no
   *     operation was counted) and the JIT's milliseconds in the window (-1 where unknown)
   */
  static Usage between(Reading start, Reading end, long ops) {
    double process =
        start.processNanos() < 0 || end.processNanos() < 0 || ops <= 0
            ? Double.NaN
            : (end.processNanos() - start.processNanos()) / 1e3 / ops;
    long compile =
        start.compileMillis() < 0 || end.compileMillis() < 0
            ? -1
            : end.compileMillis() - start.compileMillis();
    Map<Long, Long> a = start.etcdTicks();
    Map<Long, Long> b = end.etcdTicks();
    double etcd = Double.NaN;
    if (a != null && b != null && !a.isEmpty() && a.keySet().equals(b.keySet()) && ops > 0) {
      long ticks = 0;
      for (Map.Entry<Long, Long> e : b.entrySet()) {
        ticks += e.getValue() - a.getOrDefault(e.getKey(), e.getValue());
      }
      etcd = ticks * (double) NANOS_PER_TICK / 1e3 / ops;
    }
    return new Usage(process, etcd, compile);
  }

  /**
   * One window's CPU per operation.
   *
   * @param processMicrosPerOp this process's CPU time per counted operation
   * @param etcdMicrosPerOp the etcd members' CPU time per counted operation
   * @param compileMillis the JIT compiler's compile time within the window (elapsed, summed over
   *     its threads, so it can exceed the window)
   */
  record Usage(double processMicrosPerOp, double etcdMicrosPerOp, long compileMillis) {}

  /** User plus system clock ticks from a {@code stat} file, or -1 if it cannot be read. */
  @SuppressWarnings("StringSplitter") // fields of a kernel file, none empty
  static long ticks(Path stat) {
    try {
      String s = Files.readString(stat, StandardCharsets.US_ASCII);
      int close = s.lastIndexOf(')');
      if (close < 0) {
        return -1;
      }
      // after "pid (comm) ": state is field 3, utime field 14 and stime field 15
      String[] f = s.substring(close + 2).trim().split(" ");
      return f.length > 12 ? Long.parseLong(f[11]) + Long.parseLong(f[12]) : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
