package org.hybridstore;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How to reach etcd. Immutable; build with {@link #builder()}.
 *
 * @param endpoints etcd client URLs, at least one
 * @param keyPrefix prefix of every key the store writes; default {@value #DEFAULT_KEY_PREFIX}
 * @param requestTimeout deadline of every etcd call; default 2 s
 * @param connectTimeout deadline for opening a connection; default 1 s
 * @param maxCasRetries how often a lost compare-and-swap race is retried; default {@value #DEFAULT_MAX_CAS_RETRIES}
 * @param tls certificates for TLS, or {@code null} for plain text
 * @param user etcd user name for authentication, or {@code null}
 * @param password etcd password, or {@code null}
 */
public record CpConfig(List<URI> endpoints, String keyPrefix, Duration requestTimeout, Duration connectTimeout,
    int maxCasRetries, @Nullable Tls tls, @Nullable String user, @Nullable String password) {
  /** Default key prefix. */
  public static final String DEFAULT_KEY_PREFIX = "/hybridstore/orders/";
  /** Default deadline of an etcd call. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(2);
  /** Default connect deadline. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
  /** Default number of compare-and-swap retries. */
  public static final int DEFAULT_MAX_CAS_RETRIES = 16;

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
      InvalidInputException.check((clientCert == null) == (clientKey == null), "tls.clientKey",
          "client certificate and key must be given together");
    }
  }

  /** Validates the fields. */
  public CpConfig {
    InvalidInputException.check(endpoints != null && !endpoints.isEmpty(), "endpoints", "must not be empty");
    endpoints = List.copyOf(endpoints);
    InvalidInputException.check(keyPrefix != null && keyPrefix.startsWith("/") && keyPrefix.endsWith("/"),
        "keyPrefix", "must start and end with '/', was " + keyPrefix);
    Checks.positive("requestTimeout", requestTimeout);
    Checks.positive("connectTimeout", connectTimeout);
    Checks.atLeast("maxCasRetries", maxCasRetries, 0);
    InvalidInputException.check((user == null) == (password == null), "password",
        "user and password must be given together");
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
    return b;
  }

  @Override
  public String toString() {
    return "CpConfig[endpoints=" + endpoints + ", keyPrefix=" + keyPrefix + ", requestTimeout=" + requestTimeout
        + ", tls=" + (tls != null) + ", user=" + user + "]";
  }

  /** Builds a {@link CpConfig}; not thread-safe; {@link #build()} copies, so a builder can be reused. */
  public static final class Builder {
    private List<URI> endpoints = List.of();
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private int maxCasRetries = DEFAULT_MAX_CAS_RETRIES;
    private @Nullable Tls tls;
    private @Nullable String user;
    private @Nullable String password;

    private Builder() {}

    /** @param v etcd client URLs @return this builder */
    public Builder endpoints(List<URI> v) {
      endpoints = v;
      return this;
    }

    /** @param v key prefix @return this builder */
    public Builder keyPrefix(String v) {
      keyPrefix = v;
      return this;
    }

    /** @param v deadline of every etcd call @return this builder */
    public Builder requestTimeout(Duration v) {
      requestTimeout = v;
      return this;
    }

    /** @param v connect deadline @return this builder */
    public Builder connectTimeout(Duration v) {
      connectTimeout = v;
      return this;
    }

    /** @param v compare-and-swap retries @return this builder */
    public Builder maxCasRetries(int v) {
      maxCasRetries = v;
      return this;
    }

    /** @param v TLS material, or null @return this builder */
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

    /** @return the configuration @throws InvalidInputException naming the first invalid field */
    public CpConfig build() {
      return new CpConfig(endpoints, keyPrefix, requestTimeout, connectTimeout, maxCasRetries, tls, user, password);
    }
  }
}
