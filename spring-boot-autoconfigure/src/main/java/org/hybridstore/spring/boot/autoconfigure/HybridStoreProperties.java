package org.hybridstore.spring.boot.autoconfigure;

import jakarta.validation.GroupSequence;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hybridstore.ApConfig;
import org.hybridstore.CpConfig;
import org.hybridstore.InvalidInputException;
import org.hybridstore.NodeId;
import org.hybridstore.PeerAuthConfig;
import org.hybridstore.SwitchoverConfig;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The {@code hybridstore.*} properties the auto-configured {@link
 * org.hybridstore.switchover.HybridOrderStore} is built from. Bound once at start, immutable.
 *
 * <p>Validated in two steps: first the rules of each property on its own (required, ranges,
 * formats), then, only if those pass, the store's own configuration records ({@link CpConfig},
 * {@link ApConfig}, {@link SwitchoverConfig}) are built from them, so that a rule the store
 * enforces (a positive duration, a breaker window of at least 1 s, user and password together)
 * fails the start as a binding error naming the property, not as an exception from inside the
 * store. The defaults are the store's own ({@code CpConfig.DEFAULT_*} and so on).
 *
 * @param enabled Whether to auto-configure a store at all.
 * @param nodeId This node's id: unique in the cluster and stable across restarts (letters, digits,
 *     '.', '_', ':', '-').
 * @param name The store's name in JMX, metrics and thread names. Default: the node id.
 * @param etcd How to reach etcd.
 * @param journal The local journal that takes writes while etcd has no quorum.
 * @param gossip The replication of the journal between service nodes.
 * @param switchover When the store changes mode.
 */
@ConfigurationProperties("hybridstore")
@Validated
@AcceptedByStore(groups = AcceptedByStore.Check.class)
@GroupSequence({HybridStoreProperties.class, AcceptedByStore.Check.class})
public record HybridStoreProperties(
    @DefaultValue("true") boolean enabled,
    @NotBlank String nodeId,
    @Nullable String name,
    @Valid @DefaultValue Etcd etcd,
    @Valid @DefaultValue Journal journal,
    @Valid @DefaultValue Gossip gossip,
    @Valid @DefaultValue Switchover switchover) {

  /**
   * How to reach etcd ({@link CpConfig}).
   *
   * @param endpoints etcd client URLs, for example http://etcd-1:2379 (https:// with TLS). At least
   *     one.
   * @param keyPrefix Prefix of every key the store writes. Must start and end with '/'.
   * @param requestTimeout Deadline of every etcd call.
   * @param connectTimeout Deadline for opening a connection to etcd.
   * @param maxCasRetries How often a lost compare-and-swap race is retried.
   * @param user etcd user for authentication. Set together with the password.
   * @param password etcd password.
   * @param tls TLS towards etcd. On when a CA certificate is set.
   */
  @AcceptedByStore(groups = AcceptedByStore.Check.class)
  @GroupSequence({Etcd.class, AcceptedByStore.Check.class})
  public record Etcd(
      @NotEmpty List<URI> endpoints,
      @DefaultValue(CpConfig.DEFAULT_KEY_PREFIX) String keyPrefix,
      @DefaultValue("2s") Duration requestTimeout,
      @DefaultValue("1s") Duration connectTimeout,
      @DefaultValue("" + CpConfig.DEFAULT_MAX_CAS_RETRIES) @Min(0) int maxCasRetries,
      @Nullable String user,
      @Nullable String password,
      @Valid @DefaultValue Tls tls) {

    CpConfig toConfig() {
      CpConfig.Tls t;
      try {
        t = tls.toConfig();
      } catch (InvalidInputException e) {
        throw invalid(e, "tls." + e.field());
      }
      if ((user == null) != (password == null)) {
        throw new InvalidPropertyException(
            user == null ? "user" : "password",
            "user and password must be set together",
            new IllegalArgumentException());
      }
      try {
        CpConfig.Builder b =
            CpConfig.builder()
                .endpoints(endpoints)
                .keyPrefix(keyPrefix)
                .requestTimeout(requestTimeout)
                .connectTimeout(connectTimeout)
                .maxCasRetries(maxCasRetries)
                .tls(t);
        if (user != null && password != null) {
          b.credentials(user, password);
        }
        return b.build();
      } catch (InvalidInputException e) {
        throw invalid(e, e.field());
      }
    }

    /** Checks the group against the store's own configuration ({@link AcceptedByStore}). */
    void check() {
      toConfig();
    }

    /** Keeps the password out of logs and failure messages. */
    @Override
    public String toString() {
      return "Etcd[endpoints="
          + endpoints
          + ", keyPrefix="
          + keyPrefix
          + ", user="
          + user
          + ", tls="
          + tls
          + "]";
    }
  }

  /**
   * TLS towards etcd, PEM files ({@link CpConfig.Tls}).
   *
   * @param caCert PEM file of the CA that signed etcd's server certificates. Setting it turns TLS
   *     on.
   * @param clientCert PEM file of this client's certificate, for etcd's --client-cert-auth. Set
   *     together with the key.
   * @param clientKey PEM file of the client certificate's private key (PKCS#8).
   */
  public record Tls(@Nullable Path caCert, @Nullable Path clientCert, @Nullable Path clientKey) {
    CpConfig.@Nullable Tls toConfig() {
      if (caCert == null) {
        if (clientCert != null || clientKey != null) {
          throw new InvalidInputException("caCert", "is required when a client certificate is set");
        }
        return null;
      }
      requireReadable("caCert", caCert);
      requireReadable("clientCert", clientCert);
      requireReadable("clientKey", clientKey);
      return new CpConfig.Tls(caCert, clientCert, clientKey);
    }
  }

  /**
   * The local journal ({@link ApConfig}).
   *
   * @param dataDir Directory of the node's journal files, created if missing. Keep it across
   *     restarts: it holds writes etcd may not have yet.
   * @param groupCommitMaxBatch Most writes committed with one fsync.
   */
  @AcceptedByStore(groups = AcceptedByStore.Check.class)
  @GroupSequence({Journal.class, AcceptedByStore.Check.class})
  public record Journal(
      @NotNull Path dataDir,
      @DefaultValue("" + ApConfig.DEFAULT_GROUP_COMMIT_MAX_BATCH) @Min(1) int groupCommitMaxBatch) {
    /** Checks the group against the store's own configuration ({@link AcceptedByStore}). */
    void check() {
      try {
        // (peer authentication is the gossip group's; any valid setting checks this group's fields)
        ApConfig.builder(dataDir)
            .groupCommitMaxBatch(groupCommitMaxBatch)
            .peerAuth(PeerAuthConfig.insecure())
            .build();
      } catch (InvalidInputException e) {
        throw invalid(e, e.field());
      }
    }
  }

  /**
   * The replication between service nodes ({@link ApConfig}).
   *
   * @param bindHost Address this node advertises to its peers. (The transport listens on all
   *     interfaces at the gossip port: firewall it.)
   * @param port Port the gossip transport listens on. 0 picks a free one.
   * @param seeds host:port of peers to join through. Empty for the first node.
   * @param antiEntropyInterval How often digests are exchanged with a peer.
   * @param maxMessageSize Largest accepted peer message.
   * @param peerQueueCapacity Outgoing messages buffered per peer before the oldest are dropped
   *     (anti-entropy repairs what is dropped).
   * @param security Authentication of peers.
   */
  @AcceptedByStore(groups = AcceptedByStore.Check.class)
  @GroupSequence({Gossip.class, AcceptedByStore.Check.class})
  public record Gossip(
      @DefaultValue(ApConfig.DEFAULT_BIND_HOST) @NotBlank String bindHost,
      @DefaultValue("0") @Min(0) @Max(65535) int port,
      @DefaultValue
          List<@Pattern(regexp = "[^:\\s]+:\\d{1,5}", message = "expected host:port") String> seeds,
      @DefaultValue("1s") Duration antiEntropyInterval,
      @DefaultValue("1MB") DataSize maxMessageSize,
      @DefaultValue("" + ApConfig.DEFAULT_PEER_QUEUE_CAPACITY) @Min(1) int peerQueueCapacity,
      @Valid @DefaultValue PeerSecurity security) {
    ApConfig toConfig(Path dataDir, int groupCommitMaxBatch) {
      long size = maxMessageSize.toBytes();
      try {
        return ApConfig.builder(dataDir)
            .groupCommitMaxBatch(groupCommitMaxBatch)
            .bindHost(bindHost)
            .gossipPort(port)
            .seeds(seeds)
            .antiEntropyInterval(antiEntropyInterval)
            .maxMessageBytes(size > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) size)
            .peerQueueCapacity(peerQueueCapacity)
            .peerAuth(security.toConfig())
            .build();
      } catch (InvalidInputException e) {
        // ApConfig's names for this group's fields
        throw invalid(
            e,
            switch (e.field()) {
              case "gossipPort" -> "port";
              case "maxMessageBytes" -> "maxMessageSize";
              case "peerAuth.members" -> "security.members";
              case "peerAuth.secrets" -> "security.secrets";
              case "peerAuth.secretFiles" -> "security.secretFiles";
              case "peerAuth.maxFrameAge" -> "security.maxFrameAge";
              default -> e.field();
            });
      }
    }

    /** Checks the group against the store's own configuration ({@link AcceptedByStore}). */
    void check() {
      toConfig(Path.of("."), ApConfig.DEFAULT_GROUP_COMMIT_MAX_BATCH);
    }
  }

  /**
   * Authentication of replication peers ({@link PeerAuthConfig}). By default every gossip frame
   * carries an HMAC with the cluster secret, and a node believes only frames from the listed
   * members: the store does not start until {@code members} and a secret are set, or {@code mode}
   * is {@code insecure} explicitly (then it logs a warning).
   *
   * @param mode How peers prove they are members: 'hmac' (default) or 'insecure' (no
   *     authentication; tests and closed networks only).
   * @param members Node ids allowed to send replicas, this node's included.
   * @param secretFiles Files holding one cluster secret each (at least 32 bytes), the signing one
   *     first. Preferred over 'secrets': keeps the secret out of the environment.
   * @param secrets Cluster secrets (at least 32 bytes each), the signing one first, after those of
   *     'secret-files'. Never printed.
   * @param maxFrameAge How far a frame's timestamp may be from this node's clock.
   */
  public record PeerSecurity(
      @DefaultValue("hmac") PeerAuthentication mode,
      @DefaultValue List<String> members,
      @DefaultValue List<Path> secretFiles,
      @DefaultValue List<String> secrets,
      @DefaultValue("30s") Duration maxFrameAge) {
    PeerAuthConfig toConfig() {
      if (mode == PeerAuthentication.INSECURE) {
        return PeerAuthConfig.insecure();
      }
      List<NodeId> ids = new ArrayList<>();
      for (String m : members) {
        try {
          ids.add(NodeId.of(m));
        } catch (InvalidInputException e) {
          throw new InvalidInputException("peerAuth.members", "'" + m + "': " + e.getMessage());
        }
      }
      return PeerAuthConfig.builder()
          .members(ids)
          .secretFiles(secretFiles)
          .secrets(secrets)
          .maxFrameAge(maxFrameAge)
          .build();
    }

    @Override
    public String toString() {
      return "PeerSecurity[mode="
          + mode
          + ", members="
          + members
          + ", secretFiles="
          + secretFiles
          + ", secrets="
          + secrets.size()
          + " (redacted), maxFrameAge="
          + maxFrameAge
          + "]";
    }
  }

  /** How replication peers prove they are members of the cluster. */
  public enum PeerAuthentication {
    /** Every frame carries an HMAC-SHA256 with the cluster secret (the default). */
    HMAC,
    /** Peers are not authenticated: any host that reaches the gossip port can send replicas. */
    INSECURE
  }

  /**
   * When the store changes mode ({@link SwitchoverConfig}).
   *
   * @param probeInterval How often etcd's quorum is probed.
   * @param probeTimeout Deadline of one probe.
   * @param failedProbesToDegrade Consecutive failed probes that make the store degrade.
   * @param stablePeriod How long the successful probes on one leader must span before a degraded
   *     store returns to STRONG.
   * @param stableProbes Successful probes in a row on one leader needed before returning to STRONG.
   * @param electionGrace How long probes may fail while members still name a leader before the
   *     store degrades anyway: longer than an etcd leader election takes.
   * @param ownerGrace How long a node leaves a backlog record to its owner (the live node that
   *     alone wrote what etcd lacks of it, else the one the order id's hash picks) before folding
   *     it into etcd itself.
   * @param strongWriteDeadline How long a write waits for etcd before it falls back to a
   *     provisional write in the same call.
   * @param breakerWindow The circuit breaker's time window over etcd writes. At least 1s.
   * @param breakerFailureRate Failure (and slow-call) percentage in the window that degrades the
   *     store.
   * @param breakerMinimumCalls Calls in the window before the rate counts.
   * @param reconcileBatchSize Records one reconcile pass folds into etcd at most.
   * @param maxClockOffset How far ahead of the local clock a peer's timestamp may be.
   */
  @AcceptedByStore(groups = AcceptedByStore.Check.class)
  @GroupSequence({Switchover.class, AcceptedByStore.Check.class})
  public record Switchover(
      @DefaultValue("100ms") Duration probeInterval,
      @DefaultValue("500ms") Duration probeTimeout,
      @DefaultValue("" + SwitchoverConfig.DEFAULT_FAILED_PROBES_TO_DEGRADE) @Min(1)
          int failedProbesToDegrade,
      @DefaultValue("200ms") Duration stablePeriod,
      @DefaultValue("" + SwitchoverConfig.DEFAULT_STABLE_PROBES) @Min(1) int stableProbes,
      @DefaultValue("1500ms") Duration electionGrace,
      @DefaultValue("2s") Duration ownerGrace,
      @DefaultValue("1s") Duration strongWriteDeadline,
      @DefaultValue("2s") Duration breakerWindow,
      @DefaultValue("" + SwitchoverConfig.DEFAULT_BREAKER_FAILURE_RATE) @Min(1) @Max(100)
          int breakerFailureRate,
      @DefaultValue("" + SwitchoverConfig.DEFAULT_BREAKER_MINIMUM_CALLS) @Min(1)
          int breakerMinimumCalls,
      @DefaultValue("" + SwitchoverConfig.DEFAULT_RECONCILE_BATCH_SIZE) @Min(1)
          int reconcileBatchSize,
      @DefaultValue("1s") Duration maxClockOffset) {
    SwitchoverConfig toConfig() {
      try {
        return SwitchoverConfig.builder()
            .probeInterval(probeInterval)
            .probeTimeout(probeTimeout)
            .failedProbesToDegrade(failedProbesToDegrade)
            .stablePeriod(stablePeriod)
            .strongWriteDeadline(strongWriteDeadline)
            .breakerWindow(breakerWindow)
            .breakerFailureRate(breakerFailureRate)
            .breakerMinimumCalls(breakerMinimumCalls)
            .reconcileBatchSize(reconcileBatchSize)
            .maxClockOffset(maxClockOffset)
            .stableProbes(stableProbes)
            .electionGrace(electionGrace)
            .ownerGrace(ownerGrace)
            .build();
      } catch (InvalidInputException e) {
        throw invalid(e, e.field());
      }
    }

    /** Checks the group against the store's own configuration ({@link AcceptedByStore}). */
    void check() {
      toConfig();
    }
  }

  /**
   * Returns the store's name: {@code name} if set, else the node id.
   *
   * @return the name
   */
  public String storeName() {
    String n = name;
    return n == null || n.isBlank() ? nodeId : n;
  }

  /**
   * Returns the node id.
   *
   * @return the id
   * @throws InvalidPropertyException naming {@code node-id} if it breaks the id rule
   */
  public NodeId toNodeId() {
    try {
      return NodeId.of(nodeId);
    } catch (InvalidInputException e) {
      throw new InvalidPropertyException("nodeId", reason(e), e);
    }
  }

  /**
   * Returns the etcd configuration.
   *
   * @return the configuration
   * @throws InvalidPropertyException naming the offending {@code etcd.*} property
   */
  public CpConfig toCpConfig() {
    try {
      return etcd.toConfig();
    } catch (InvalidPropertyException e) {
      throw e.under("etcd");
    }
  }

  /**
   * Returns the local journal's and the replication's configuration.
   *
   * @return the configuration
   * @throws InvalidPropertyException naming the offending {@code journal.*} or {@code gossip.*}
   *     property
   */
  public ApConfig toApConfig() {
    try {
      journal.check();
    } catch (InvalidPropertyException e) {
      throw e.under("journal");
    }
    try {
      return gossip.toConfig(journal.dataDir(), journal.groupCommitMaxBatch());
    } catch (InvalidPropertyException e) {
      throw e.under("gossip");
    }
  }

  /**
   * Returns the switchover thresholds.
   *
   * @return the configuration
   * @throws InvalidPropertyException naming the offending {@code switchover.*} property
   */
  public SwitchoverConfig toSwitchoverConfig() {
    try {
      return switchover.toConfig();
    } catch (InvalidPropertyException e) {
      throw e.under("switchover");
    }
  }

  /** Checks the node id against the store's rule ({@link AcceptedByStore}). */
  void check() {
    toNodeId();
  }

  private static void requireReadable(String field, @Nullable Path file) {
    if (file != null && !Files.isReadable(file)) {
      throw new InvalidInputException(field, "cannot read " + file.toAbsolutePath());
    }
  }

  // InvalidInputException's message is "<field>: <reason>"
  private static String reason(InvalidInputException e) {
    String m = String.valueOf(e.getMessage());
    String prefix = e.field() + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }

  private static InvalidPropertyException invalid(InvalidInputException e, String path) {
    return new InvalidPropertyException(path, reason(e), e);
  }

  /**
   * A {@code hybridstore.*} property the store does not accept.
   *
   * <p>{@link #path()} uses the record components' names (e.g. {@code switchover.probeInterval});
   * {@link #getMessage()} names the property as a user writes it ({@code
   * hybridstore.switchover.probe-interval}).
   */
  public static final class InvalidPropertyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String path;
    private final String reason;

    InvalidPropertyException(String path, String reason, Throwable cause) {
      super("hybridstore." + kebab(path) + ": " + reason, cause);
      this.path = path;
      this.reason = reason;
    }

    /**
     * Returns the property's path, in record-component names, relative to the group that threw it.
     */
    public String path() {
      return path;
    }

    /** Returns what is wrong with the value. */
    public String reason() {
      return reason;
    }

    InvalidPropertyException under(String group) {
      return new InvalidPropertyException(
          group + "." + path, reason, getCause() != null ? getCause() : this);
    }

    private static String kebab(String path) {
      return path.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
  }
}
