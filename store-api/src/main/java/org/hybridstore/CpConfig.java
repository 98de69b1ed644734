package org.hybridstore;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How to reach etcd. Immutable; build with {@link #builder()}.
 *
 * @param endpoints etcd client URLs, at least one; each is one member, and the backend keeps one
 *     connection per member
 * @param keyPrefix prefix of every key the store writes; default {@value #DEFAULT_KEY_PREFIX}
 * @param requestTimeout deadline of every etcd call, including the retries the backend makes on
 *     other members within it; default 2 s
 * @param connectTimeout deadline for opening a connection; default 1 s
 * @param maxCasRetries how often a lost compare-and-swap race is retried; default {@value
 *     #DEFAULT_MAX_CAS_RETRIES}
 * @param tls certificates for TLS, or {@code null} for plain text
 * @param user etcd user name for authentication, or {@code null}
 * @param password etcd password, or {@code null}
 * @param maxTxnOps etcd's {@code --max-txn-ops}: the most operations one transaction may hold;
 *     default {@value #DEFAULT_MAX_TXN_OPS}. Batches (group commit, merges) are sized from it
 * @param maxRequestBytes etcd's {@code --max-request-bytes}: the largest request etcd accepts;
 *     default {@value #DEFAULT_MAX_REQUEST_BYTES} (1.5 MiB). Must leave room for one record of
 *     {@link OrderLimits#MAX_RECORD_BYTES}
 * @param txnsInFlight how many batch transactions (group commits of concurrent writes, merge
 *     writes, merge reads) may be outstanding at once; further writes queue and join the next
 *     batch; default {@value #DEFAULT_TXNS_IN_FLIGHT}
 * @param groupCommitLinger how long a write may wait for others to join its batch while other
 *     batches are in flight (a write that finds nothing in flight is sent at once); default 0
 * @param memberCheckInterval how often the backend checks the members it is not using, and how long
 *     a member may leave requests unanswered before new requests avoid it; default 100 ms
 * @param casBackoff waits between retries of a lost compare-and-swap race (none before the first
 *     retry); default 1 ms doubling to 128 ms, randomized
 * @param retryBackoff waits between rounds over the members when none of them serves (an election
 *     in progress), within {@code requestTimeout}; default 10 ms doubling to 100 ms, randomized
 * @param watchBackoff waits before the change feed reopens a failed watch; default 100 ms doubling
 *     to 2 s
 */
public record CpConfig(
    List<URI> endpoints,
    String keyPrefix,
    Duration requestTimeout,
    Duration connectTimeout,
    int maxCasRetries,
    @Nullable Tls tls,
    @Nullable String user,
    @Nullable String password,
    int maxTxnOps,
    int maxRequestBytes,
    int txnsInFlight,
    Duration groupCommitLinger,
    Duration memberCheckInterval,
    Backoff casBackoff,
    Backoff retryBackoff,
    Backoff watchBackoff) {
  /** Default key prefix. */
  public static final String DEFAULT_KEY_PREFIX = "/hybridstore/orders/";

  /** Default deadline of an etcd call. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(2);

  /** Default connect deadline. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

  /** Default number of compare-and-swap retries. */
  public static final int DEFAULT_MAX_CAS_RETRIES = 16;

  /** etcd's default {@code --max-txn-ops}. */
  public static final int DEFAULT_MAX_TXN_OPS = 128;

  /** etcd's default {@code --max-request-bytes} (1.5 MiB). */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;

  /** Default number of batch transactions in flight. */
  public static final int DEFAULT_TXNS_IN_FLIGHT = 4;

  /** Default group-commit linger: none. */
  public static final Duration DEFAULT_GROUP_COMMIT_LINGER = Duration.ZERO;

  /** Default member check interval. */
  public static final Duration DEFAULT_MEMBER_CHECK_INTERVAL = Duration.ofMillis(100);

  /** Default backoff between lost compare-and-swap races. */
  public static final Backoff DEFAULT_CAS_BACKOFF =
      new Backoff(Duration.ofMillis(1), Duration.ofMillis(128));

  /** Default backoff between rounds over members that do not serve. */
  public static final Backoff DEFAULT_RETRY_BACKOFF =
      new Backoff(Duration.ofMillis(10), Duration.ofMillis(100));

  /** Default backoff before a failed watch is reopened. */
  public static final Backoff DEFAULT_WATCH_BACKOFF =
      new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));

  /**
   * The smallest {@code maxRequestBytes}: one record of the largest size plus room for the request
   * around it.
   */
  public static final int MIN_REQUEST_BYTES = OrderLimits.MAX_RECORD_BYTES + 16 * 1024;

  /**
   * TLS material, PEM files.
   *
   * @param caCert the CA that signed etcd's server certificate
   * @param clientCert this client's certificate, or {@code null} without client authentication
   * @param clientKey its private key (PKCS#8), or {@code null}
   */
  public record Tls(Path caCert, @Nullable Path clientCert, @Nullable Path clientKey) {
    /** Checks that certificate and key come together. */
    public Tls {
      InvalidInputException.check(caCert != null, "tls.caCert", "must not be null");
      InvalidInputException.check(
          (clientCert == null) == (clientKey == null),
          "tls.clientKey",
          "client certificate and key must be given together");
    }
  }

  /**
   * An exponential backoff (Resilience4j's {@code IntervalFunction}): the n-th wait is drawn at
   * random from {@code [0, 2 × initial × 2^(n-1))} and capped at {@code max}, so that clients that
   * failed together do not retry in lockstep; the change feed, one stream per backend, waits
   * exactly {@code min(initial × 2^(n-1), max)}.
   *
   * @param initial the first wait's scale, at least 1 ms
   * @param max the largest scale, at least {@code initial}
   */
  public record Backoff(Duration initial, Duration max) {
    /** Validates the durations. */
    public Backoff {
      Checks.positive("backoff.initial", initial);
      InvalidInputException.check(
          initial.toMillis() >= 1, "backoff.initial", "must be at least 1 ms, was " + initial);
      InvalidInputException.check(
          max != null && max.compareTo(initial) >= 0,
          "backoff.max",
          "must be at least the initial wait " + initial + ", was " + max);
    }
  }

  /** Validates the fields. */
  public CpConfig {
    InvalidInputException.check(
        endpoints != null && !endpoints.isEmpty(), "endpoints", "must not be empty");
    endpoints = List.copyOf(endpoints);
    InvalidInputException.check(
        keyPrefix != null && keyPrefix.startsWith("/") && keyPrefix.endsWith("/"),
        "keyPrefix",
        "must start and end with '/', was " + keyPrefix);
    Checks.positive("requestTimeout", requestTimeout);
    Checks.positive("connectTimeout", connectTimeout);
    Checks.atLeast("maxCasRetries", maxCasRetries, 0);
    InvalidInputException.check(
        (user == null) == (password == null),
        "password",
        "user and password must be given together");
    Checks.atLeast("maxTxnOps", maxTxnOps, 1);
    Checks.atLeast("maxRequestBytes", maxRequestBytes, MIN_REQUEST_BYTES);
    Checks.atLeast("txnsInFlight", txnsInFlight, 1);
    InvalidInputException.check(
        groupCommitLinger != null && !groupCommitLinger.isNegative(),
        "groupCommitLinger",
        "must not be negative, was " + groupCommitLinger);
    InvalidInputException.check(
        groupCommitLinger.compareTo(requestTimeout) < 0,
        "groupCommitLinger",
        "must be shorter than requestTimeout " + requestTimeout + ", was " + groupCommitLinger);
    Checks.positive("memberCheckInterval", memberCheckInterval);
    InvalidInputException.check(casBackoff != null, "casBackoff", "must not be null");
    InvalidInputException.check(retryBackoff != null, "retryBackoff", "must not be null");
    InvalidInputException.check(watchBackoff != null, "watchBackoff", "must not be null");
  }

  /**
   * The configuration of the first version, with defaults for every later field.
   *
   * @param endpoints etcd client URLs
   * @param keyPrefix key prefix
   * @param requestTimeout deadline of every etcd call
   * @param connectTimeout connect deadline
   * @param maxCasRetries compare-and-swap retries
   * @param tls TLS material, or null
   * @param user etcd user, or null
   * @param password etcd password, or null
   */
  public CpConfig(
      List<URI> endpoints,
      String keyPrefix,
      Duration requestTimeout,
      Duration connectTimeout,
      int maxCasRetries,
      @Nullable Tls tls,
      @Nullable String user,
      @Nullable String password) {
    this(
        endpoints,
        keyPrefix,
        requestTimeout,
        connectTimeout,
        maxCasRetries,
        tls,
        user,
        password,
        DEFAULT_MAX_TXN_OPS,
        DEFAULT_MAX_REQUEST_BYTES,
        DEFAULT_TXNS_IN_FLIGHT,
        DEFAULT_GROUP_COMMIT_LINGER,
        DEFAULT_MEMBER_CHECK_INTERVAL,
        DEFAULT_CAS_BACKOFF,
        DEFAULT_RETRY_BACKOFF,
        DEFAULT_WATCH_BACKOFF);
  }

  /** Returns a builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder that starts from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.endpoints = endpoints;
    b.keyPrefix = keyPrefix;
    b.requestTimeout = requestTimeout;
    b.connectTimeout = connectTimeout;
    b.maxCasRetries = maxCasRetries;
    b.tls = tls;
    b.user = user;
    b.password = password;
    b.maxTxnOps = maxTxnOps;
    b.maxRequestBytes = maxRequestBytes;
    b.txnsInFlight = txnsInFlight;
    b.groupCommitLinger = groupCommitLinger;
    b.memberCheckInterval = memberCheckInterval;
    b.casBackoff = casBackoff;
    b.retryBackoff = retryBackoff;
    b.watchBackoff = watchBackoff;
    return b;
  }

  @Override
  public String toString() {
    return "CpConfig[endpoints="
        + endpoints
        + ", keyPrefix="
        + keyPrefix
        + ", requestTimeout="
        + requestTimeout
        + ", tls="
        + (tls != null)
        + ", user="
        + user
        + ", maxTxnOps="
        + maxTxnOps
        + ", maxRequestBytes="
        + maxRequestBytes
        + ", txnsInFlight="
        + txnsInFlight
        + ", groupCommitLinger="
        + groupCommitLinger
        + ", memberCheckInterval="
        + memberCheckInterval
        + "]";
  }

  /**
   * Builds a {@link CpConfig}; not thread-safe; {@link #build()} copies, so a builder can be
   * reused.
   */
  public static final class Builder {
    private List<URI> endpoints = List.of();
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private int maxCasRetries = DEFAULT_MAX_CAS_RETRIES;
    private @Nullable Tls tls;
    private @Nullable String user;
    private @Nullable String password;
    private int maxTxnOps = DEFAULT_MAX_TXN_OPS;
    private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private int txnsInFlight = DEFAULT_TXNS_IN_FLIGHT;
    private Duration groupCommitLinger = DEFAULT_GROUP_COMMIT_LINGER;
    private Duration memberCheckInterval = DEFAULT_MEMBER_CHECK_INTERVAL;
    private Backoff casBackoff = DEFAULT_CAS_BACKOFF;
    private Backoff retryBackoff = DEFAULT_RETRY_BACKOFF;
    private Backoff watchBackoff = DEFAULT_WATCH_BACKOFF;

    private Builder() {}

    /**
     * @param v etcd client URLs @return this builder
     */
    public Builder endpoints(List<URI> v) {
      endpoints = v;
      return this;
    }

    /**
     * @param v key prefix @return this builder
     */
    public Builder keyPrefix(String v) {
      keyPrefix = v;
      return this;
    }

    /**
     * @param v deadline of every etcd call @return this builder
     */
    public Builder requestTimeout(Duration v) {
      requestTimeout = v;
      return this;
    }

    /**
     * @param v connect deadline @return this builder
     */
    public Builder connectTimeout(Duration v) {
      connectTimeout = v;
      return this;
    }

    /**
     * @param v compare-and-swap retries @return this builder
     */
    public Builder maxCasRetries(int v) {
      maxCasRetries = v;
      return this;
    }

    /**
     * @param v TLS material, or null @return this builder
     */
    public Builder tls(@Nullable Tls v) {
      tls = v;
      return this;
    }

    /**
     * Sets user and password.
     *
     * @param u user
     * @param p password
     * @return this builder
     */
    public Builder credentials(String u, String p) {
      user = u;
      password = p;
      return this;
    }

    /**
     * @param v etcd's {@code --max-txn-ops} @return this builder
     */
    public Builder maxTxnOps(int v) {
      maxTxnOps = v;
      return this;
    }

    /**
     * @param v etcd's {@code --max-request-bytes} @return this builder
     */
    public Builder maxRequestBytes(int v) {
      maxRequestBytes = v;
      return this;
    }

    /**
     * @param v batch transactions in flight @return this builder
     */
    public Builder txnsInFlight(int v) {
      txnsInFlight = v;
      return this;
    }

    /**
     * @param v how long a write may wait for its batch to fill while others are in flight @return
     *     this builder
     */
    public Builder groupCommitLinger(Duration v) {
      groupCommitLinger = v;
      return this;
    }

    /**
     * @param v member check interval @return this builder
     */
    public Builder memberCheckInterval(Duration v) {
      memberCheckInterval = v;
      return this;
    }

    /**
     * @param v backoff between lost compare-and-swap races @return this builder
     */
    public Builder casBackoff(Backoff v) {
      casBackoff = v;
      return this;
    }

    /**
     * @param v backoff between rounds over members that do not serve @return this builder
     */
    public Builder retryBackoff(Backoff v) {
      retryBackoff = v;
      return this;
    }

    /**
     * @param v backoff before a failed watch is reopened @return this builder
     */
    public Builder watchBackoff(Backoff v) {
      watchBackoff = v;
      return this;
    }

    /**
     * @return the configuration @throws InvalidInputException naming the first invalid field
     */
    public CpConfig build() {
      return new CpConfig(
          endpoints,
          keyPrefix,
          requestTimeout,
          connectTimeout,
          maxCasRetries,
          tls,
          user,
          password,
          maxTxnOps,
          maxRequestBytes,
          txnsInFlight,
          groupCommitLinger,
          memberCheckInterval,
          casBackoff,
          retryBackoff,
          watchBackoff);
    }
  }
}
