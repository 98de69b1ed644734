package org.hybridstore.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The etcd member of one host. It always runs with the same command line: same name, data
 * directory, addresses and ports, so {@link #restart()} after {@link #kill()} brings back the same
 * member (etcd logs {@code restarting local member}). Its log is appended to {@code
 * workDir/etcd-hN.log}, with a marker line at every (re)start. Thread-safe.
 */
public final class EtcdMember {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdMember.class);

  private final Host host;
  private final List<String> command;
  private final Path dataDir;
  private final Path logFile;
  private final ReentrantLock lock = new ReentrantLock();
  private @Nullable Process process;
  private boolean paused;

  EtcdMember(Host host, List<String> command, Path dataDir, Path logFile) {
    this.host = host;
    this.command = List.copyOf(command);
    this.dataDir = dataDir;
    this.logFile = logFile;
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
   * Its client URL.
   *
   * @return {@code http://address:clientPort}
   */
  public URI clientUrl() {
    return URI.create(host.etcdClientUrl());
  }

  /**
   * Its data directory.
   *
   * @return the path
   */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Its log file.
   *
   * @return the path
   */
  public Path logFile() {
    return logFile;
  }

  /**
   * The command line it runs with.
   *
   * @return the command
   */
  public List<String> command() {
    return command;
  }

  /**
   * The pid of the etcd process (the latest one after a restart).
   *
   * @return the pid
   * @throws IllegalStateException if it was never started
   */
  public long pid() {
    lock.lock();
    try {
      if (process == null) {
        throw new IllegalStateException("etcd on " + host.name() + " was never started");
      }
      return process.pid();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether the process runs and is not paused.
   *
   * @return true if up
   */
  public boolean isUp() {
    lock.lock();
    try {
      return process != null && process.isAlive() && !paused;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether the process exists, paused or not.
   *
   * @return true if running
   */
  public boolean isRunning() {
    lock.lock();
    try {
      return process != null && process.isAlive();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether it is paused by {@link #pause()}.
   *
   * @return true between pause and resume
   */
  public boolean isPaused() {
    lock.lock();
    try {
      return paused && process != null && process.isAlive();
    } finally {
      lock.unlock();
    }
  }

  /**
   * SIGKILLs the member and waits until the process is gone; does nothing if it is not running.
   *
   * @throws ClusterException if it survives SIGKILL for 10 s
   */
  public void kill() {
    lock.lock();
    try {
      if (process != null && process.isAlive()) {
        Signals.killTree(process);
        LOG.info("etcd {} killed (pid {})", host.name(), process.pid());
      }
      paused = false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Starts the member again with the same data directory and ports; kills it first if it is still
   * running. Returns once the process is started; use {@link Cluster#awaitHealthy} to wait until it
   * serves.
   *
   * @throws ClusterException if it cannot be started
   */
  public void restart() {
    lock.lock();
    try {
      kill();
      start();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends SIGSTOP: the member stays alive and keeps accepting TCP connections, but answers nothing.
   *
   * @throws IllegalStateException if it is not running
   * @throws ClusterException if the signal cannot be sent
   */
  public void pause() {
    lock.lock();
    try {
      requireRunning();
      Signals.send(Objects.requireNonNull(process).pid(), "STOP");
      paused = true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends SIGCONT; does nothing if the member is not running.
   *
   * @throws ClusterException if the signal cannot be sent
   */
  public void resume() {
    lock.lock();
    try {
      if (process != null && process.isAlive()) {
        Signals.send(process.pid(), "CONT");
      }
      paused = false;
    } finally {
      lock.unlock();
    }
  }

  /** Starts the process; the caller makes sure it is not running. */
  void start() {
    lock.lock();
    try {
      if (process != null && process.isAlive()) {
        throw new IllegalStateException("etcd on " + host.name() + " is already running");
      }
      Files.createDirectories(logFile.getParent());
      Files.writeString(
          logFile,
          "=== hybridstore-chaos: starting etcd "
              + host.name()
              + " at "
              + Instant.now()
              + ": "
              + String.join(" ", command)
              + System.lineSeparator(),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      paused = false;
      LOG.info("etcd {} started (pid {})", host.name(), process.pid());
    } catch (IOException e) {
      throw new ClusterException("cannot start etcd on " + host.name() + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** SIGKILLs whatever runs, for close(). */
  void forceKill() {
    lock.lock();
    try {
      if (process != null && process.isAlive()) {
        Signals.killTree(process);
      }
      paused = false;
    } finally {
      lock.unlock();
    }
  }

  /** The last lines of the log, for error messages. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** The exit code if the process has exited, else null. */
  @Nullable Integer exitCode() {
    lock.lock();
    try {
      return process != null && !process.isAlive() ? process.exitValue() : null;
    } finally {
      lock.unlock();
    }
  }

  private void requireRunning() {
    if (process == null || !process.isAlive()) {
      throw new IllegalStateException("etcd on " + host.name() + " is not running");
    }
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      String state =
          process == null ? "not started" : !process.isAlive() ? "down" : paused ? "paused" : "up";
      return "etcd "
          + host.name()
          + " ("
          + state
          + (process == null ? "" : ", pid " + process.pid())
          + ")";
    } finally {
      lock.unlock();
    }
  }
}
