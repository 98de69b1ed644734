package org.hybridstore.chaos.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What a report says about the machine: load averages and the etcd binary's version. */
// Parsing command output, whose trailing empty fields are meant to go.
@SuppressWarnings("StringSplitter")
final class Machine {
  private Machine() {}

  /**
   * Returns the CPU time this process has used, all its threads (the JIT compiler's and the garbage
   * collector's included).
   *
   * @return nanoseconds, or -1 where the JVM cannot tell
   */
  static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : -1;
  }

  /**
   * Returns the 1, 5 and 15 minute load averages from {@code /proc/loadavg}.
   *
   * @return three values, or an empty list where there is no {@code /proc}
   */
  static List<Double> loadAverage() {
    try {
      String[] f =
          Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII)
              .trim()
              .split("\\s+");
      List<Double> out = new ArrayList<>();
      for (int i = 0; i < 3 && i < f.length; i++) {
        out.add(Double.parseDouble(f[i]));
      }
      return out;
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  /**
   * Returns the first line {@code etcd --version} prints (the binary the cluster runs: {@code
   * HYBRIDSTORE_ETCD} or {@code etcd} on the path), within 10 s.
   *
   * @return for example {@code etcd Version: 3.4.23}, or {@code unknown}
   */
  static String etcdVersion() {
    String bin = System.getenv("HYBRIDSTORE_ETCD");
    try {
      Process p =
          new ProcessBuilder(bin == null || bin.isBlank() ? "etcd" : bin, "--version")
              .redirectErrorStream(true)
              .start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "unknown";
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return out.lines().findFirst().orElse("unknown").trim();
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
