package org.hybridstore.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs one short external command with a hard timeout. Output goes through temporary files rather
 * than pipes, so a child that leaves a grandchild holding the pipe cannot hang the caller, and
 * nothing needs draining threads. On timeout the command and its descendants get SIGKILL.
 */
final class Exec {

  /** The default bound for a control command (ip, iptables, tc, kill). */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * The outcome of a command.
   *
   * @param command the command line
   * @param exitCode its exit code, or -1 if it timed out
   * @param stdout standard output
   * @param stderr standard error
   * @param timedOut whether the timeout killed it
   */
  record Result(
      List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {

    boolean ok() {
      return !timedOut && exitCode == 0;
    }

    /** Throws a ClusterException describing the failure unless the command succeeded. */
    Result orThrow() {
      if (!ok()) {
        throw new ClusterException(describe());
      }
      return this;
    }

    String describe() {
      String how = timedOut ? "timed out" : "exited " + exitCode;
      return "command "
          + String.join(" ", command)
          + " "
          + how
          + (stderr.isBlank() ? "" : ": " + stderr.strip())
          + (stdout.isBlank() || exitCode == 0
              ? ""
              : " (stdout: " + abbreviate(stdout.strip()) + ")");
    }

    private static String abbreviate(String s) {
      return s.length() <= 500 ? s : s.substring(0, 500) + "...";
    }
  }

  private Exec() {}

  static Result run(List<String> command) {
    return run(command, null, DEFAULT_TIMEOUT);
  }

  static Result run(List<String> command, Duration timeout) {
    return run(command, null, timeout);
  }

  /**
   * Runs the command.
   *
   * @param command the command and its arguments
   * @param stdin text fed to standard input, or null for none
   * @param timeout the hard bound
   * @return the result (never throws for a non-zero exit or a timeout)
   * @throws ClusterException if the command cannot be started
   */
  static Result run(List<String> command, @Nullable String stdin, Duration timeout) {
    List<String> cmd = List.copyOf(command);
    @Nullable Path out = null;
    @Nullable Path err = null;
    @Nullable Path in = null;
    try {
      out = Files.createTempFile("hs-exec-", ".out");
      err = Files.createTempFile("hs-exec-", ".err");
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      if (stdin != null) {
        in = Files.createTempFile("hs-exec-", ".in");
        Files.writeString(in, stdin, StandardCharsets.UTF_8);
        pb.redirectInput(in.toFile());
      } else {
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      }
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        throw new ClusterException(
            "cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
      }
      boolean exited = waitFor(p, timeout);
      if (!exited) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        waitFor(p, Duration.ofSeconds(2));
      }
      return new Result(cmd, exited ? p.exitValue() : -1, read(out), read(err), !exited);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
      deleteQuietly(in);
    }
  }

  /** Waits for the process, keeping the interrupt flag; returns whether it exited. */
  static boolean waitFor(Process p, Duration timeout) {
    boolean interrupted = false;
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return !p.isAlive();
        }
        try {
          return p.waitFor(left, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  private static void deleteQuietly(@Nullable Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a temp file left behind is harmless
      }
    }
  }
}
