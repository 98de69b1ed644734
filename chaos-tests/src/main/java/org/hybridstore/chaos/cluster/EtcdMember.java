package org.hybridstore.chaos.cluster;

import java.net.URI;
import java.nio.file.Path;
import org.hybridstore.testkit.EtcdNode;
import org.jspecify.annotations.Nullable;

/**
 * The etcd member of one host: the host's view of the test kit's {@link EtcdNode} (a process in the
 * host's namespace, or on loopback). It always runs with the same command line: same name, data
 * directory, addresses and ports, so {@link #restart()} after {@link #kill()} brings back the same
 * member (etcd logs {@code restarting local member}). Its log is appended to {@code
 * workDir/etcd-hN.log}, with a marker line at every (re)start. Thread-safe.
 */
public final class EtcdMember {

  private final Host host;
  private final EtcdNode node;
  private final Path dataDir;

  EtcdMember(Host host, EtcdNode node, Path dataDir) {
    this.host = host;
    this.node = node;
    this.dataDir = dataDir;
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
    return node.logFile();
  }

  /**
   * The pid of the etcd process (the latest one after a restart).
   *
   * @return the pid
   * @throws IllegalStateException if it was never started
   */
  public long pid() {
    long pid = node.pid();
    if (pid < 0) {
      throw new IllegalStateException("etcd on " + host.name() + " was never started");
    }
    return pid;
  }

  /**
   * Whether the process runs and is not paused.
   *
   * @return true if up
   */
  public boolean isUp() {
    return node.isRunning() && !node.isPaused();
  }

  /**
   * Whether the process exists, paused or not.
   *
   * @return true if running
   */
  public boolean isRunning() {
    return node.isRunning();
  }

  /**
   * Whether it is paused by {@link #pause()}.
   *
   * @return true between pause and resume
   */
  public boolean isPaused() {
    return node.isPaused();
  }

  /**
   * SIGKILLs the member and waits until the process is gone; does nothing if it is not running.
   *
   * @throws IllegalStateException if it survives SIGKILL for 10 s
   */
  public void kill() {
    node.kill();
  }

  /**
   * Starts the member again with the same data directory and ports; kills it first if it is still
   * running. Returns once the process is started; use {@link Cluster#awaitHealthy} to wait until it
   * serves.
   *
   * @throws IllegalStateException if it cannot be started
   */
  public void restart() {
    node.restart();
  }

  /**
   * Sends SIGSTOP: the member stays alive and keeps accepting TCP connections, but answers nothing.
   *
   * @throws IllegalStateException if it is not running or the signal cannot be sent
   */
  public void pause() {
    node.pause();
  }

  /**
   * Sends SIGCONT; does nothing if the member is not running.
   *
   * @throws IllegalStateException if the signal cannot be sent
   */
  public void resume() {
    node.resume();
  }

  /** Starts the process; the caller makes sure it is not running. */
  void start() {
    node.start();
  }

  /** SIGKILLs whatever runs, for close(). */
  void forceKill() {
    node.kill();
  }

  /** The last lines of the log, for error messages. */
  String logTail() {
    return node.logTail(10);
  }

  /** The exit code if the process has exited, else null. */
  @Nullable Integer exitCode() {
    return node.exitCode();
  }

  @Override
  public String toString() {
    return node.toString();
  }
}
