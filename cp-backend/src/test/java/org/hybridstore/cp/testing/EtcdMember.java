package org.hybridstore.cp.testing;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import org.hybridstore.testkit.EtcdNode;
import org.jspecify.annotations.Nullable;

/**
 * One etcd member of an {@link EtcdClusterExtension}: its name, addresses and partition controls
 * here; the process (or container) itself is the test kit's {@link EtcdNode}, with its own data
 * directory and log file, on fixed ports for its whole life, so that {@link #restart()} brings back
 * the same member. Thread-safe.
 */
public final class EtcdMember {
  private final String name;
  private final int clientPort;
  private final int peerPort;
  private final Path dataDir;
  private final Path logFile;
  private final String scheme;
  private final String host;
  private final @Nullable NetworkNamespaces network;
  private final int index;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile @Nullable EtcdNode node;

  EtcdMember(String name, int clientPort, int peerPort, Path dataDir, Path logFile, boolean tls) {
    this(name, 0, "127.0.0.1", null, clientPort, peerPort, dataDir, logFile, tls);
  }

  EtcdMember(
      String name,
      int index,
      String host,
      @Nullable NetworkNamespaces network,
      int clientPort,
      int peerPort,
      Path dataDir,
      Path logFile,
      boolean tls) {
    this.name = name;
    this.index = index;
    this.host = host;
    this.network = network;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.scheme = tls ? "https" : "http";
  }

  /** Returns the member's name ({@code m0}, {@code m1}, ...). */
  public String name() {
    return name;
  }

  /**
   * Returns the client URL, e.g. {@code http://127.0.0.1:41234} (or the member's namespace
   * address).
   */
  public URI clientEndpoint() {
    return URI.create(scheme + "://" + host + ":" + clientPort);
  }

  /** Returns the peer URL (peers always talk plain HTTP in this fixture). */
  public URI peerUrl() {
    return URI.create("http://" + host + ":" + peerPort);
  }

  /** Returns whether the member runs in a network namespace of its own (partitions possible). */
  public boolean namespaced() {
    return network != null;
  }

  /**
   * Drops all traffic between this member and the other members (iptables in its namespace); the
   * test's clients still reach it. On the leader this is Jepsen's "partition-leader".
   *
   * @throws IllegalStateException if the cluster was not built with network namespaces
   */
  public void isolateFromPeers() {
    requireNetwork().isolateFromPeers(index);
  }

  /**
   * Drops all traffic between this member and the test JVM; its peers still reach it.
   *
   * @throws IllegalStateException if the cluster was not built with network namespaces
   */
  public void cutOffFromClient() {
    requireNetwork().cutOffFromClient(index);
  }

  /**
   * Refuses the test JVM's connections to this member (TCP reset); its peers still reach it.
   *
   * @throws IllegalStateException if the cluster was not built with network namespaces
   */
  public void refuseClient() {
    requireNetwork().refuseClient(index);
  }

  /** Removes this member's partition rules (no-op without network namespaces). */
  public void heal() {
    if (network != null) {
      network.heal(index);
    }
  }

  private NetworkNamespaces requireNetwork() {
    if (network == null) {
      throw new IllegalStateException(
          name + ": partitions need EtcdClusterExtension.builder().withNetworkNamespaces(true)");
    }
    return network;
  }

  /** Returns the data directory (kept across {@link #kill()} and {@link #restart()}). */
  public Path dataDir() {
    return dataDir;
  }

  /** Returns the file the member's stderr (zap log, level warn) goes to. */
  public Path logFile() {
    return logFile;
  }

  /** Returns the process id, or -1 if it is not running. */
  public long pid() {
    EtcdNode n = node;
    return n != null && n.isRunning() ? n.pid() : -1;
  }

  /** Returns whether the process is alive (a paused process is alive). */
  public boolean isRunning() {
    EtcdNode n = node;
    return n != null && n.isRunning();
  }

  /** Returns whether the process is stopped with SIGSTOP. */
  public boolean isPaused() {
    EtcdNode n = node;
    return n != null && n.isPaused();
  }

  /** Starts the member for the first time on the node the cluster made for it. */
  void start(EtcdNode member) {
    lock.lock();
    try {
      if (node != null) {
        throw new IllegalStateException(name + " was started already");
      }
      node = member;
      member.start();
    } finally {
      lock.unlock();
    }
  }

  private EtcdNode requireNode() {
    EtcdNode n = node;
    if (n == null) {
      throw new IllegalStateException(name + " was never started");
    }
    return n;
  }

  /** Kills the process with SIGKILL and waits for it to exit; the data directory stays. */
  public void kill() {
    EtcdNode n = node;
    if (n != null) {
      n.kill();
    }
  }

  /**
   * Starts the member again on its data directory and ports, killing it first if it still runs.
   * Returns at once; the member rejoins the cluster by itself.
   */
  public void restart() {
    requireNode().restart();
  }

  /** Stops the process with SIGSTOP: it keeps its sockets but answers nothing. */
  public void pause() {
    requireNode().pause();
  }

  /** Continues a paused process with SIGCONT. */
  public void resume() {
    requireNode().resume();
  }

  /** Kills the process if it runs (SIGKILL also ends a stopped process). */
  void destroy() {
    kill();
  }

  @Override
  public String toString() {
    return name + "[" + clientEndpoint() + ", pid " + pid() + (isPaused() ? ", paused" : "") + "]";
  }
}
