package org.hybridstore.chaos.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.locks.ReentrantLock;
import org.hybridstore.testkit.ChildProcesses;

/**
 * A program started by {@link Cluster#startProcess} on one host, inside the host's namespace
 * ({@code ip netns exec} execs, so {@link #pid()} is the program's own pid). Its standard output
 * and error are appended to {@code workDir/<name>.log}. {@link Cluster#close()} kills it if it is
 * still running. Thread-safe.
 */
public final class HostProcess {

  /** How long {@link #stop()} waits after SIGTERM before SIGKILL. */
  public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);

  private final Host host;
  private final String name;
  private final List<String> command;
  private final Path logFile;
  private final Process process;
  private final ReentrantLock lock = new ReentrantLock();
  private boolean paused;

  HostProcess(Host host, String name, List<String> command, Path logFile, Process process) {
    this.host = host;
    this.name = name;
    this.command = List.copyOf(command);
    this.logFile = logFile;
    this.process = process;
  }

  /**
   * The host it runs on.
   *
   * @return the host
   */
  public Host host() {
    return host;
  }

  /**
   * Its name, as given to {@link Cluster#startProcess}.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The command as run (with the {@code ip netns exec} prefix in NAMESPACES mode).
   *
   * @return the command line
   */
  public List<String> command() {
    return command;
  }

  /**
   * The log file receiving its stdout and stderr.
   *
   * @return the path
   */
  public Path logFile() {
    return logFile;
  }

  /**
   * Its pid.
   *
   * @return the pid of the program itself
   */
  public long pid() {
    return process.pid();
  }

  /**
   * Whether it is running (a paused process is alive).
   *
   * @return true until it exits
   */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Whether it is paused by {@link #pause()}.
   *
   * @return true between pause and resume
   */
  public boolean isPaused() {
    lock.lock();
    try {
      return paused && process.isAlive();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The exit code once it has exited.
   *
   * @return the exit code, or empty while alive
   */
  public OptionalInt exitCode() {
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /**
   * SIGKILLs it (and any children) and waits for it to exit.
   *
   * @throws IllegalStateException if it survives for 10 s
   */
  public void kill() {
    lock.lock();
    try {
      ChildProcesses.killTree(process);
      paused = false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops it gracefully: SIGCONT if paused, SIGTERM, then SIGKILL after {@link
   * #DEFAULT_STOP_GRACE}.
   *
   * @return true if it exited on SIGTERM, false if SIGKILL was needed or it had already exited
   * @throws IllegalStateException if it survives SIGKILL
   */
  public boolean stop() {
    return stop(DEFAULT_STOP_GRACE);
  }

  /**
   * Stops it gracefully: SIGCONT if paused, SIGTERM, then SIGKILL after {@code grace}.
   *
   * @param grace how long to wait for a graceful exit
   * @return true if it exited on SIGTERM, false if SIGKILL was needed or it had already exited
   * @throws IllegalStateException if it survives SIGKILL
   */
  public boolean stop(Duration grace) {
    lock.lock();
    try {
      if (!process.isAlive()) {
        return false;
      }
      if (paused) {
        ChildProcesses.resume(process.pid());
        paused = false;
      }
      process.destroy();
      if (Exec.waitFor(process, grace)) {
        return true;
      }
      ChildProcesses.killTree(process);
      return false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends SIGSTOP and returns once the kernel shows the process stopped.
   *
   * @throws IllegalStateException if it is not running
   * @throws IllegalStateException if the signal cannot be sent
   */
  public void pause() {
    lock.lock();
    try {
      requireAlive();
      ChildProcesses.stop(process.pid());
      paused = true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends SIGCONT and returns once the process runs again; does nothing if it has exited.
   *
   * @throws IllegalStateException if the signal cannot be sent
   */
  public void resume() {
    lock.lock();
    try {
      if (process.isAlive()) {
        ChildProcesses.resume(process.pid());
      }
      paused = false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits for it to exit.
   *
   * @param timeout the bound
   * @return true if it exited within the bound
   */
  public boolean waitFor(Duration timeout) {
    return Exec.waitFor(process, timeout);
  }

  /** Kills without taking the lock's time into account; for close(). */
  void forceKill() {
    if (process.isAlive()) {
      ChildProcesses.killTree(process);
    }
  }

  private void requireAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          name + " on " + host.name() + " is not running (exit " + process.exitValue() + ")");
    }
  }

  @Override
  public String toString() {
    return name
        + "@"
        + host.name()
        + "(pid "
        + process.pid()
        + (process.isAlive() ? "" : ", exited")
        + ")";
  }
}
