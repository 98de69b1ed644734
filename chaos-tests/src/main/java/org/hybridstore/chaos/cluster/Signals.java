package org.hybridstore.chaos.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Process signals and state, bounded. */
final class Signals {

  static final Duration EXIT_BOUND = Duration.ofSeconds(10);

  private Signals() {}

  /** Sends SIGSTOP or SIGCONT (or another signal by name) to one pid. */
  static void send(long pid, String signal) {
    Exec.run(List.of("kill", "-" + signal, Long.toString(pid))).orThrow();
  }

  /**
   * SIGKILLs the process and its descendants, then waits for it to exit.
   *
   * @throws ClusterException if it is still alive after the bound
   */
  static void killTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    if (!Exec.waitFor(p, EXIT_BOUND)) {
      throw new ClusterException("pid " + p.pid() + " survived SIGKILL for " + EXIT_BOUND);
    }
  }

  /** Whether the kernel shows the process as stopped ('T' in /proc/PID/stat). */
  static boolean isStopped(long pid) {
    try {
      String stat =
          Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
      int close = stat.lastIndexOf(')');
      return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'T';
    } catch (IOException e) {
      return false;
    }
  }
}
