package org.hybridstore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The local journal and the peer replication. Immutable; build with {@link #builder()}.
 *
 * @param dataDir directory of the node's MapDB file (created if missing)
 * @param bindHost address the gossip transport listens on; default {@value #DEFAULT_BIND_HOST}
 * @param gossipPort port the gossip transport listens on; 0 picks a free one
 * @param seeds {@code host:port} of peers to join through; empty for the first node
 * @param groupCommitMaxBatch most writes committed in one local transaction; default {@value
 *     #DEFAULT_GROUP_COMMIT_MAX_BATCH}
 * @param antiEntropyInterval how often digests are exchanged with a peer; default 1 s
 * @param maxMessageBytes largest accepted peer message; default 1 MiB
 * @param peerQueueCapacity outgoing messages buffered per peer before the oldest are dropped
 *     (anti-entropy repairs what is dropped); default {@value #DEFAULT_PEER_QUEUE_CAPACITY}
 * @param peerQueueBytes bytes buffered per peer before the oldest messages are dropped, and bytes
 *     of received peer records waiting for the journal writer before further ones are dropped (both
 *     counted; anti-entropy repairs); at least {@code 2 * maxMessageBytes}; default 8 MiB
 * @param peerAuth how peers authenticate their frames; required: members and secrets, or {@link
 *     PeerAuthConfig#insecure()} said explicitly
 */
public record ApConfig(
    Path dataDir,
    String bindHost,
    int gossipPort,
    List<String> seeds,
    int groupCommitMaxBatch,
    Duration antiEntropyInterval,
    int maxMessageBytes,
    int peerQueueCapacity,
    long peerQueueBytes,
    PeerAuthConfig peerAuth) {
  /** Default bind address. */
  public static final String DEFAULT_BIND_HOST = "127.0.0.1";

  /** Default group-commit batch. */
  public static final int DEFAULT_GROUP_COMMIT_MAX_BATCH = 512;

  /** Default anti-entropy period. */
  public static final Duration DEFAULT_ANTI_ENTROPY_INTERVAL = Duration.ofSeconds(1);

  /** Default message size limit. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

  /** Default per-peer queue. */
  public static final int DEFAULT_PEER_QUEUE_CAPACITY = 10_000;

  /** Default per-peer byte bound. */
  public static final long DEFAULT_PEER_QUEUE_BYTES = 8L * 1024 * 1024;

  /** Validates the fields. */
  public ApConfig {
    InvalidInputException.check(dataDir != null, "dataDir", "must not be null");
    InvalidInputException.check(
        bindHost != null && !bindHost.isBlank(), "bindHost", "must not be blank");
    InvalidInputException.check(
        gossipPort >= 0 && gossipPort <= 65535, "gossipPort", "must be 0..65535");
    seeds = List.copyOf(seeds);
    for (String s : seeds) {
      InvalidInputException.check(
          s.matches("[^:\\s]+:\\d{1,5}"), "seeds", "expected host:port, was '" + s + "'");
    }
    Checks.atLeast("groupCommitMaxBatch", groupCommitMaxBatch, 1);
    Checks.positive("antiEntropyInterval", antiEntropyInterval);
    Checks.atLeast("maxMessageBytes", maxMessageBytes, OrderLimits.MAX_RECORD_BYTES + 1024);
    Checks.atLeast("peerQueueCapacity", peerQueueCapacity, 1);
    InvalidInputException.check(
        peerQueueBytes >= 2L * maxMessageBytes,
        "peerQueueBytes",
        "must be at least 2 * maxMessageBytes ("
            + 2L * maxMessageBytes
            + "), was "
            + peerQueueBytes);
    InvalidInputException.check(
        peerAuth != null,
        "peerAuth",
        "is required: the cluster's members and a secret "
            + "(PeerAuthConfig.builder()), or PeerAuthConfig.insecure() said explicitly");
  }

  /**
   * Returns a builder with the defaults.
   *
   * @param dataDir directory of the node's MapDB file
   * @return the builder
   */
  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /** Builds an {@link ApConfig}; not thread-safe; {@link #build()} copies. */
  public static final class Builder {
    private final Path dataDir;
    private String bindHost = DEFAULT_BIND_HOST;
    private int gossipPort;
    private List<String> seeds = List.of();
    private int groupCommitMaxBatch = DEFAULT_GROUP_COMMIT_MAX_BATCH;
    private Duration antiEntropyInterval = DEFAULT_ANTI_ENTROPY_INTERVAL;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private int peerQueueCapacity = DEFAULT_PEER_QUEUE_CAPACITY;
    private long peerQueueBytes = DEFAULT_PEER_QUEUE_BYTES;
    private @Nullable PeerAuthConfig peerAuth;

    private Builder(Path dataDir) {
      this.dataDir = dataDir;
    }

    /**
     * @param v bind address @return this builder
     */
    public Builder bindHost(String v) {
      bindHost = v;
      return this;
    }

    /**
     * @param v gossip port, 0 for any @return this builder
     */
    public Builder gossipPort(int v) {
      gossipPort = v;
      return this;
    }

    /**
     * @param v seeds as host:port @return this builder
     */
    public Builder seeds(List<String> v) {
      seeds = v;
      return this;
    }

    /**
     * @param v group-commit batch @return this builder
     */
    public Builder groupCommitMaxBatch(int v) {
      groupCommitMaxBatch = v;
      return this;
    }

    /**
     * @param v anti-entropy period @return this builder
     */
    public Builder antiEntropyInterval(Duration v) {
      antiEntropyInterval = v;
      return this;
    }

    /**
     * @param v largest accepted message @return this builder
     */
    public Builder maxMessageBytes(int v) {
      maxMessageBytes = v;
      return this;
    }

    /**
     * @param v per-peer queue capacity @return this builder
     */
    public Builder peerQueueCapacity(int v) {
      peerQueueCapacity = v;
      return this;
    }

    /**
     * @param v per-peer byte bound @return this builder
     */
    public Builder peerQueueBytes(long v) {
      peerQueueBytes = v;
      return this;
    }

    /**
     * @param v how peers authenticate (required) @return this builder
     */
    public Builder peerAuth(PeerAuthConfig v) {
      peerAuth = v;
      return this;
    }

    /**
     * @return the configuration @throws InvalidInputException naming the first invalid field
     */
    @SuppressWarnings("NullAway") // a missing peerAuth is the record's typed InvalidInputException
    public ApConfig build() {
      return new ApConfig(
          dataDir,
          bindHost,
          gossipPort,
          seeds,
          groupCommitMaxBatch,
          antiEntropyInterval,
          maxMessageBytes,
          peerQueueCapacity,
          peerQueueBytes,
          peerAuth);
    }
  }
}
