package org.hybridstore.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The one place child processes are signalled and reaped. Every process, temporary directory and
 * cleanup registered here is removed by one JVM shutdown hook if the JVM exits before its owner
 * closes it (a crashed or interrupted test, a Ctrl-C'd chaos run). Every wait is bounded.
 * Thread-safe.
 */
public final class ChildProcesses {

  /** How long a SIGKILLed process or a {@code kill} command may take to exit. */
  public static final Duration EXIT_BOUND = Duration.ofSeconds(10);

  private static final Set<Process> PROCESSES = ConcurrentHashMap.newKeySet();
  private static final Set<Path> DIRECTORIES = ConcurrentHashMap.newKeySet();
  private static final Set<AutoCloseable> CLEANUPS = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(ChildProcesses::cleanUp, "hybridstore-testkit-cleanup"));
  }

  private ChildProcesses() {}

  /**
   * Kills the process (and its descendants) at JVM exit unless it was unregistered.
   *
   * @param p the process
   */
  public static void register(Process p) {
    PROCESSES.add(p);
  }

  /**
   * Forgets a process its owner has ended.
   *
   * @param p the process
   */
  public static void unregister(Process p) {
    PROCESSES.remove(p);
  }

  /**
   * Closes {@code c} at JVM exit unless it was unregistered (network namespaces, firewall rules).
   *
   * @param c what to close
   */
  public static void registerCleanup(AutoCloseable c) {
    CLEANUPS.add(c);
  }

  /**
   * Forgets a cleanup its owner has run.
   *
   * @param c what was registered
   */
  public static void unregisterCleanup(AutoCloseable c) {
    CLEANUPS.remove(c);
  }

  /**
   * Deletes the directory at JVM exit unless it was unregistered.
   *
   * @param dir the directory
   */
  public static void registerDirectory(Path dir) {
    DIRECTORIES.add(dir);
  }

  /**
   * Forgets a directory its owner has deleted or wants to keep.
   *
   * @param dir the directory
   */
  public static void unregisterDirectory(Path dir) {
    DIRECTORIES.remove(dir);
  }

  /**
   * SIGKILLs the process and its descendants, waits for it to exit, and unregisters it.
   *
   * @param p the process
   * @throws IllegalStateException if it is still alive after {@link #EXIT_BOUND}
   */
  public static void killTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    boolean exited;
    try {
      exited = p.waitFor(EXIT_BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while killing pid " + p.pid(), e);
    }
    if (!exited) {
      throw new IllegalStateException("pid " + p.pid() + " survived SIGKILL for " + EXIT_BOUND);
    }
    unregister(p);
  }

  /**
   * Sends a signal by name ({@code STOP}, {@code CONT}, ...) with the {@code kill} command.
   *
   * @param pid the process id
   * @param signal the signal's name without {@code SIG}
   * @throws IllegalStateException if {@code kill} fails or does not finish within {@link
   *     #EXIT_BOUND}
   */
  public static void signal(long pid, String signal) {
    String what = "kill -" + signal + " " + pid;
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(EXIT_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException(what + " did not finish within " + EXIT_BOUND);
      }
      if (kill.exitValue() != 0) {
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        throw new IllegalStateException(what + " failed: " + out.strip());
      }
    } catch (IOException e) {
      throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + what, e);
    }
  }

  /**
   * Freezes a process with SIGSTOP and returns once the kernel shows it stopped: {@code kill}
   * returns when the signal is queued, and on a loaded machine the target can take a while to be
   * scheduled and stop.
   *
   * @param pid the process id
   * @throws IllegalStateException if the signal fails or the process does not stop within {@link
   *     #EXIT_BOUND}
   */
  public static void stop(long pid) {
    signal(pid, "STOP");
    awaitStopped(pid, true);
  }

  /**
   * Continues a frozen process with SIGCONT and returns once the kernel shows it running.
   *
   * @param pid the process id
   * @throws IllegalStateException if the signal fails or the process stays stopped for {@link
   *     #EXIT_BOUND}
   */
  public static void resume(long pid) {
    signal(pid, "CONT");
    awaitStopped(pid, false);
  }

  private static void awaitStopped(long pid, boolean stopped) {
    long deadline = System.nanoTime() + EXIT_BOUND.toNanos();
    while (isStopped(pid) != stopped) {
      if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
        return; // gone: nothing left to stop or continue
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "pid "
                + pid
                + (stopped ? " did not stop" : " did not continue")
                + " within "
                + EXIT_BOUND);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
  }

  /**
   * Whether the kernel shows the process as stopped ({@code T} in {@code /proc/PID/stat}).
   *
   * @param pid the process id
   * @return true if stopped; false if running or gone
   */
  public static boolean isStopped(long pid) {
    try {
      String stat =
          Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
      int close = stat.lastIndexOf(')');
      return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'T';
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Deletes a directory and everything in it; nothing if it does not exist.
   *
   * @param dir the directory
   * @throws IOException if a file or directory cannot be deleted
   */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.deleteIfExists(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /**
   * Deletes a directory tree as far as it can (a directory left behind is not worth failing a test
   * or a run for).
   *
   * @param dir the directory
   */
  public static void deleteQuietly(Path dir) {
    try {
      deleteTree(dir);
    } catch (IOException e) {
      // best effort, see above
    }
  }

  private static void cleanUp() {
    for (Process p : PROCESSES) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Path dir : DIRECTORIES) {
      deleteQuietly(dir);
    }
    for (AutoCloseable c : CLEANUPS) {
      try {
        c.close();
      } catch (Exception e) {
        // best effort during JVM exit
      }
    }
  }
}
