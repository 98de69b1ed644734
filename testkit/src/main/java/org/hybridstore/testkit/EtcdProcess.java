package org.hybridstore.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An etcd member as a child process of the local {@code etcd} binary, optionally behind a command
 * prefix such as {@code ip netns exec NS} (the chaos suite's and the partition ITs' network
 * namespaces). Registered with {@link ChildProcesses} while it runs. Thread-safe.
 */
public final class EtcdProcess extends AbstractEtcdNode {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdProcess.class);

  private final List<String> command;
  private @Nullable Process process;
  private boolean paused;

  /**
   * A member not yet started.
   *
   * @param binary the etcd binary (a name on {@code PATH} or a path)
   * @param prefix what the command runs behind, for example {@code [ip, netns, exec, ns1]}; empty
   *     for none
   * @param etcd the member's flags
   * @param logFile where its output is appended
   */
  public EtcdProcess(String binary, List<String> prefix, EtcdCommand etcd, Path logFile) {
    super(etcd.name(), logFile);
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(binary);
    cmd.addAll(etcd.args());
    this.command = List.copyOf(cmd);
  }

  /**
   * The whole command line, prefix and binary included.
   *
   * @return the command
   */
  public List<String> command() {
    return command;
  }

  @Override
  public void start() {
    lock.lock();
    try {
      if (process != null && process.isAlive()) {
        throw new IllegalStateException("etcd " + name + " is already running");
      }
      markStart("", command);
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      ChildProcesses.register(p);
      process = p;
      paused = false;
      LOG.info("etcd {} started (pid {})", name, p.pid());
    } catch (IOException e) {
      throw new IllegalStateException("cannot start etcd " + name + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void kill() {
    lock.lock();
    try {
      Process p = process;
      if (p != null && p.isAlive()) {
        ChildProcesses.killTree(p);
        LOG.info("etcd {} killed (pid {})", name, p.pid());
      }
      paused = false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void pause() {
    lock.lock();
    try {
      Process p = process;
      if (p == null || !p.isAlive()) {
        throw new IllegalStateException("etcd " + name + " is not running");
      }
      ChildProcesses.stop(p.pid());
      paused = true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void resume() {
    lock.lock();
    try {
      Process p = process;
      if (p != null && p.isAlive()) {
        ChildProcesses.resume(p.pid());
      }
      paused = false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isRunning() {
    lock.lock();
    try {
      return process != null && process.isAlive();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isPaused() {
    lock.lock();
    try {
      return paused && process != null && process.isAlive();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long pid() {
    lock.lock();
    try {
      return process == null ? -1 : process.pid();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public @Nullable Integer exitCode() {
    lock.lock();
    try {
      return process != null && !process.isAlive() ? process.exitValue() : null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      String state =
          process == null ? "not started" : !process.isAlive() ? "down" : paused ? "paused" : "up";
      return "etcd "
          + name
          + " ("
          + state
          + (process == null ? "" : ", pid " + process.pid())
          + ")";
    } finally {
      lock.unlock();
    }
  }
}
