package org.hybridstore.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link Cluster#start(ClusterSpec)} builds: the number of hosts, etcd's timing flags and the
 * run directory. Immutable; build one with {@link #builder()}.
 *
 * @param hosts the number of hosts, 1..5 (3 to 5 for the chaos suite)
 * @param heartbeatMs etcd {@code --heartbeat-interval} in ms
 * @param electionMs etcd {@code --election-timeout} in ms; etcd requires at least 5 heartbeats
 * @param preVote etcd {@code --pre-vote}; keep it on (faults.md: without it a partition heal causes
 *     a second election and a write outage of up to 4.5 s)
 * @param workDir the run directory: etcd data under {@code etcd/hN}, logs {@code etcd-hN.log} and
 *     {@code <process>.log}
 * @param mode how the hosts are made
 */
public record ClusterSpec(
    int hosts, int heartbeatMs, int electionMs, boolean preVote, Path workDir, Mode mode) {

  /** Default number of hosts. */
  public static final int DEFAULT_HOSTS = 3;

  /** Largest number of hosts (addresses and ring shapes are laid out for at most this many). */
  public static final int MAX_HOSTS = 5;

  /** Default etcd heartbeat interval (faults.md §6: 50/500 halves every failover time). */
  public static final int DEFAULT_HEARTBEAT_MS = 50;

  /** Default etcd election timeout. */
  public static final int DEFAULT_ELECTION_MS = 500;

  /** Default for etcd pre-vote. */
  public static final boolean DEFAULT_PRE_VOTE = true;

  /** Default mode. */
  public static final Mode DEFAULT_MODE = Mode.AUTO;

  /** How hosts are made. */
  public enum Mode {
    /**
     * One network namespace per host on a private bridge; needs root and {@code ip netns}. All
     * network faults are available.
     */
    NAMESPACES,
    /**
     * Reduced mode: every process binds 127.0.0.1 on its own free ports; only process faults (kill,
     * pause) are available, and {@link Network#supports()} is false.
     */
    LOOPBACK,
    /** NAMESPACES when running as root with {@code ip netns} working, else LOOPBACK. */
    AUTO
  }

  /**
   * Validates the spec.
   *
   * @throws IllegalArgumentException if a value is out of range
   * @throws NullPointerException if workDir or mode is null
   */
  public ClusterSpec {
    if (hosts < 1 || hosts > MAX_HOSTS) {
      throw new IllegalArgumentException("hosts must be in 1.." + MAX_HOSTS + ": " + hosts);
    }
    if (heartbeatMs < 1) {
      throw new IllegalArgumentException("heartbeatMs must be positive: " + heartbeatMs);
    }
    if (electionMs < 5 * heartbeatMs) {
      throw new IllegalArgumentException(
          "electionMs must be at least 5 * heartbeatMs (etcd"
              + " refuses less): "
              + electionMs
              + " < 5 * "
              + heartbeatMs);
    }
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(mode, "mode");
  }

  /**
   * The etcd flags that shape its timing, to be reported with every result.
   *
   * @return for example {@code --heartbeat-interval=50 --election-timeout=500 --pre-vote=true}
   */
  public String etcdTimingFlags() {
    return "--heartbeat-interval="
        + heartbeatMs
        + " --election-timeout="
        + electionMs
        + " --pre-vote="
        + preVote;
  }

  /**
   * A builder with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder that starts from this spec.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.hosts = hosts;
    b.heartbeatMs = heartbeatMs;
    b.electionMs = electionMs;
    b.preVote = preVote;
    b.workDir = workDir;
    b.mode = mode;
    return b;
  }

  /** Builds a {@link ClusterSpec}; reusable, not thread-safe. */
  public static final class Builder {
    private int hosts = DEFAULT_HOSTS;
    private int heartbeatMs = DEFAULT_HEARTBEAT_MS;
    private int electionMs = DEFAULT_ELECTION_MS;
    private boolean preVote = DEFAULT_PRE_VOTE;
    private @Nullable Path workDir;
    private Mode mode = DEFAULT_MODE;

    private Builder() {}

    /**
     * Sets the number of hosts.
     *
     * @param value 1..5
     * @return this builder
     */
    public Builder hosts(int value) {
      this.hosts = value;
      return this;
    }

    /**
     * Sets etcd's heartbeat interval.
     *
     * @param value milliseconds
     * @return this builder
     */
    public Builder heartbeatMs(int value) {
      this.heartbeatMs = value;
      return this;
    }

    /**
     * Sets etcd's election timeout.
     *
     * @param value milliseconds, at least 5 heartbeats
     * @return this builder
     */
    public Builder electionMs(int value) {
      this.electionMs = value;
      return this;
    }

    /**
     * Sets etcd's pre-vote flag.
     *
     * @param value true to run with {@code --pre-vote=true}
     * @return this builder
     */
    public Builder preVote(boolean value) {
      this.preVote = value;
      return this;
    }

    /**
     * Sets the run directory; without it {@link #build()} creates a fresh temporary one.
     *
     * @param value the directory (created if missing)
     * @return this builder
     */
    public Builder workDir(Path value) {
      this.workDir = Objects.requireNonNull(value, "workDir");
      return this;
    }

    /**
     * Sets the mode.
     *
     * @param value NAMESPACES, LOOPBACK or AUTO
     * @return this builder
     */
    public Builder mode(Mode value) {
      this.mode = Objects.requireNonNull(value, "mode");
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     * @throws IllegalArgumentException if a value is out of range
     * @throws UncheckedIOException if no work directory was set and a temporary one cannot be
     *     created
     */
    public ClusterSpec build() {
      Path dir = workDir;
      if (dir == null) {
        try {
          dir = Files.createTempDirectory("hybridstore-chaos-");
        } catch (IOException e) {
          throw new UncheckedIOException("cannot create a temporary work directory", e);
        }
      }
      return new ClusterSpec(hosts, heartbeatMs, electionMs, preVote, dir, mode);
    }
  }
}
