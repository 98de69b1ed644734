package org.hybridstore.example;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hybridstore.ApConfig;
import org.hybridstore.CpConfig;
import org.hybridstore.InvalidInputException;
import org.hybridstore.NodeId;
import org.hybridstore.PeerAuthConfig;
import org.hybridstore.SwitchoverConfig;

/**
 * The service's settings, from {@code --name value} flags or environment variables (flag {@code
 * --etcd} is variable {@code ETCD}, {@code --http-port} is {@code HTTP_PORT}); flags win.
 *
 * <pre>
 *   --node-id            NODE_ID            required
 *   --etcd               ETCD               etcd client URLs, comma-separated; required
 *   --data-dir           DATA_DIR           directory of the local journal; required
 *   --http-host          HTTP_HOST          default 127.0.0.1
 *   --http-port          HTTP_PORT          default 8080 (0 = any free port, printed at start)
 *   --gossip-host        GOSSIP_HOST        default 127.0.0.1
 *   --gossip-port        GOSSIP_PORT        default 0 (any)
 *   --seeds              SEEDS              host:port of peers, comma-separated
 *   --request-timeout-ms REQUEST_TIMEOUT_MS etcd call deadline, default 2000
 *   --strong-deadline-ms STRONG_DEADLINE_MS write deadline before falling back, default 1000
 *   --probe-interval-ms  PROBE_INTERVAL_MS  default 100
 *   --probe-timeout-ms   PROBE_TIMEOUT_MS   default 500
 *   --stable-ms          STABLE_MS          span of the stable probes before returning to STRONG,
 *                                           default 200
 *   --jolokia            JOLOKIA            embedded Jolokia (JMX over HTTP) on or off, default true
 *   --jolokia-host       JOLOKIA_HOST       default 127.0.0.1
 *   --jolokia-port       JOLOKIA_PORT       default 0 (any free port, printed at start)
 *   --jolokia-operations JOLOKIA_OPERATIONS allow exec and write (with credentials), default false
 *   --jolokia-user       JOLOKIA_USER       required with --jolokia-operations true
 *   --jolokia-password   JOLOKIA_PASSWORD   required with --jolokia-operations true; prefer the
 *                                           variable (a flag shows in the process's command line)
 *   --etcd-ca-file       ETCD_CA_FILE       PEM CA of etcd's client port: turns on TLS to etcd
 *   --etcd-cert-file     ETCD_CERT_FILE     this node's client certificate (PEM), with the key
 *   --etcd-key-file      ETCD_KEY_FILE      its private key (PEM, PKCS#8)
 *   --etcd-user          ETCD_USER          etcd user (etcd auth enabled)
 *   --etcd-password      ETCD_PASSWORD      its password; prefer the variable
 *   --peer-members       PEER_MEMBERS       node ids allowed to replicate to this node, comma-separated
 *   --peer-secret-file   PEER_SECRET_FILE   file(s) holding the cluster secret, comma-separated, the
 *                                           signing one first (rotation: see docs/security.md)
 *   --peer-secret        PEER_SECRET        the secret itself; prefer the file or the variable
 *   --peer-insecure      PEER_INSECURE      true: no peer authentication (logged as a WARN); the
 *                                           service refuses to start with neither this nor a secret
 *   --max-clock-offset-ms MAX_CLOCK_OFFSET_MS how far ahead a remote clock stamp may be, default 1000
 *   --api-token          API_TOKEN          when set, POST /commands needs "Authorization: Bearer <it>"
 *   --test-endpoints     TEST_ENDPOINTS     serve test-only endpoints (/admin/clock-offset), default false
 *   --admin-token        ADMIN_TOKEN        required with --test-endpoints true; bearer token they need
 *   --test-clock-offset-limit-ms TEST_CLOCK_OFFSET_LIMIT_MS  largest offset /admin/clock-offset
 *                                           accepts, default the max clock offset
 *   --http-threads       HTTP_THREADS       request workers, default 16
 *   --http-queue         HTTP_QUEUE         requests waiting for a worker before 503, default 256
 *   --http-timeout-ms    HTTP_TIMEOUT_MS    a request must be read, and answered, within this;
 *                                           default 30000 (whole seconds; first server of the JVM)
 *   --http-max-connections HTTP_MAX_CONNECTIONS open connections accepted, default 1024
 *   --mutant             MUTANT             chaos-suite self-test only: start a deliberately broken
 *                                           build (a {@link NodeMutation} by name); default none
 * </pre>
 */
record ServiceConfig(
    NodeId nodeId,
    String httpHost,
    int httpPort,
    CpConfig cp,
    ApConfig ap,
    SwitchoverConfig switchover,
    JolokiaSettings jolokia,
    HttpSettings http,
    String mutant) {

  static ServiceConfig parse(String[] args, Map<String, String> env) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new InvalidInputException(
            "arguments", "expected --name value pairs, got " + Arrays.toString(args));
      }
      flags.put(args[i].substring(2), args[++i]);
    }
    Settings s = new Settings(flags, env);
    List<URI> endpoints =
        Arrays.stream(s.required("etcd").split(",")).map(String::trim).map(URI::create).toList();
    CpConfig.Builder cpb =
        CpConfig.builder()
            .endpoints(endpoints)
            .requestTimeout(Duration.ofMillis(s.integer("request-timeout-ms", 2000)));
    String ca = s.get("etcd-ca-file", "");
    if (!ca.isBlank()) {
      String cert = s.get("etcd-cert-file", "");
      String key = s.get("etcd-key-file", "");
      cpb.tls(
          new CpConfig.Tls(
              Path.of(ca),
              cert.isBlank() ? null : Path.of(cert),
              key.isBlank() ? null : Path.of(key)));
    }
    String etcdUser = s.get("etcd-user", "");
    if (!etcdUser.isBlank()) {
      cpb.credentials(etcdUser, s.required("etcd-password"));
    }
    CpConfig cp = cpb.build();
    String seeds = s.get("seeds", "");
    ApConfig ap =
        ApConfig.builder(Path.of(s.required("data-dir")))
            .bindHost(s.get("gossip-host", ApConfig.DEFAULT_BIND_HOST))
            .gossipPort(s.integer("gossip-port", 0))
            .seeds(
                seeds.isBlank()
                    ? List.of()
                    : Arrays.stream(seeds.split(",")).map(String::trim).toList())
            .peerAuth(peerAuth(s))
            .build();
    Duration maxClockOffset =
        Duration.ofMillis(
            s.integer(
                "max-clock-offset-ms", (int) SwitchoverConfig.DEFAULT_MAX_CLOCK_OFFSET.toMillis()));
    SwitchoverConfig sw =
        SwitchoverConfig.builder()
            .maxClockOffset(maxClockOffset)
            .strongWriteDeadline(Duration.ofMillis(s.integer("strong-deadline-ms", 1000)))
            .probeInterval(Duration.ofMillis(s.integer("probe-interval-ms", 100)))
            .probeTimeout(Duration.ofMillis(s.integer("probe-timeout-ms", 500)))
            .stablePeriod(
                Duration.ofMillis(
                    s.integer(
                        "stable-ms", (int) SwitchoverConfig.DEFAULT_STABLE_PERIOD.toMillis())))
            .build();
    boolean operations = s.bool("jolokia-operations", false);
    JolokiaSettings jolokia =
        new JolokiaSettings(
            s.bool("jolokia", true),
            s.get("jolokia-host", "127.0.0.1"),
            s.integer("jolokia-port", 0),
            operations,
            operations ? s.required("jolokia-user") : s.get("jolokia-user", ""),
            operations ? s.required("jolokia-password") : s.get("jolokia-password", ""));
    boolean testEndpoints = s.bool("test-endpoints", false);
    HttpSettings http =
        new HttpSettings(
            s.get("api-token", ""),
            testEndpoints,
            testEndpoints ? s.required("admin-token") : s.get("admin-token", ""),
            Duration.ofMillis(
                s.integer("test-clock-offset-limit-ms", (int) maxClockOffset.toMillis())),
            s.integer("http-threads", 16),
            s.integer("http-queue", 256),
            Duration.ofMillis(s.integer("http-timeout-ms", 30_000)),
            s.integer("http-max-connections", 1024));
    return new ServiceConfig(
        NodeId.of(s.required("node-id")),
        s.get("http-host", "127.0.0.1"),
        s.integer("http-port", 8080),
        cp,
        ap,
        sw,
        jolokia,
        http,
        s.get("mutant", ""));
  }

  /**
   * Peer authentication: members and a secret (files, variable or flag), or insecure said
   * explicitly.
   */
  private static PeerAuthConfig peerAuth(Settings s) {
    boolean insecure = s.bool("peer-insecure", false);
    String files = s.get("peer-secret-file", "");
    String secret = s.get("peer-secret", "");
    if (insecure) {
      if (!files.isBlank() || !secret.isBlank()) {
        throw new InvalidInputException(
            "peer-insecure", "contradicts --peer-secret-file / --peer-secret");
      }
      return PeerAuthConfig.insecure();
    }
    if (files.isBlank() && secret.isBlank()) {
      throw new InvalidInputException(
          "peer-secret-file",
          "peer authentication needs a cluster secret "
              + "(--peer-secret-file, or variable PEER_SECRET) and --peer-members; or --peer-insecure true");
    }
    PeerAuthConfig.Builder b =
        PeerAuthConfig.builder()
            .members(
                Arrays.stream(s.required("peer-members").split(","))
                    .map(String::trim)
                    .filter(m -> !m.isEmpty())
                    .map(NodeId::of)
                    .toList());
    if (!files.isBlank()) {
      b.secretFiles(Arrays.stream(files.split(",")).map(String::trim).map(Path::of).toList());
    }
    if (!secret.isBlank()) {
      b.secrets(List.of(secret.strip()));
    }
    return b.build();
  }

  /**
   * The HTTP server's tokens, test endpoints and limits.
   *
   * @param apiToken bearer token writes need; empty: writes are open
   * @param testEndpoints whether test-only endpoints exist
   * @param adminToken bearer token test-only endpoints need; required with them
   * @param clockOffsetLimit largest |offset| {@code /admin/clock-offset} accepts
   * @param threads request workers
   * @param queue requests waiting for a worker before the server answers 503
   * @param timeout how long reading a request, and sending its answer, may take
   * @param maxConnections open connections accepted
   */
  record HttpSettings(
      String apiToken,
      boolean testEndpoints,
      String adminToken,
      Duration clockOffsetLimit,
      int threads,
      int queue,
      Duration timeout,
      int maxConnections) {
    HttpSettings {
      if (testEndpoints && adminToken.isBlank()) {
        throw new InvalidInputException("admin-token", "is required with --test-endpoints true");
      }
      if (threads < 1 || queue < 1 || maxConnections < 1) {
        throw new InvalidInputException(
            "http-threads", "threads, queue and connections must be at least 1");
      }
      if (timeout.toSeconds() < 1 || clockOffsetLimit.isNegative()) {
        throw new InvalidInputException(
            "http-timeout-ms", "must be at least 1000; the offset limit not negative");
      }
    }

    /** Defaults: no tokens, no test endpoints. */
    static HttpSettings defaults() {
      return new HttpSettings(
          "",
          false,
          "",
          SwitchoverConfig.DEFAULT_MAX_CLOCK_OFFSET,
          16,
          256,
          Duration.ofSeconds(30),
          1024);
    }

    @Override
    public String toString() {
      return "HttpSettings[apiToken="
          + (apiToken.isEmpty() ? "none" : "(redacted)")
          + ", testEndpoints="
          + testEndpoints
          + ", clockOffsetLimit="
          + clockOffsetLimit
          + ", threads="
          + threads
          + ", queue="
          + queue
          + ", timeout="
          + timeout
          + ", maxConnections="
          + maxConnections
          + "]";
    }
  }

  /**
   * The embedded Jolokia agent's settings (see {@link JolokiaAgent}).
   *
   * @param enabled whether to start it at all
   * @param host the address it binds to
   * @param port its port, 0 for any free port
   * @param operations whether exec and write requests are allowed (then only with credentials)
   * @param user the user for exec and write; blank unless operations are allowed
   * @param password that user's password
   */
  record JolokiaSettings(
      boolean enabled, String host, int port, boolean operations, String user, String password) {
    JolokiaSettings {
      if (port < 0 || port > 65535) {
        throw new InvalidInputException("jolokia-port", "must be 0..65535, was " + port);
      }
      if (operations && (user.isBlank() || password.isBlank())) {
        throw new InvalidInputException(
            "jolokia-operations", "needs --jolokia-user and --jolokia-password");
      }
    }

    /** Read-only Jolokia on a free localhost port: the default. */
    static JolokiaSettings readOnly() {
      return new JolokiaSettings(true, "127.0.0.1", 0, false, "", "");
    }

    @Override
    public String toString() {
      return "JolokiaSettings[enabled="
          + enabled
          + ", host="
          + host
          + ", port="
          + port
          + ", operations="
          + operations
          + ", user="
          + user
          + "]";
    }
  }

  private record Settings(Map<String, String> flags, Map<String, String> env) {
    String get(String name, String fallback) {
      String v = flags.get(name);
      if (v == null) {
        v = env.get(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
      }
      return v == null ? fallback : v;
    }

    String required(String name) {
      String v = get(name, "");
      if (v.isBlank()) {
        throw new InvalidInputException(
            name,
            "is required (flag --"
                + name
                + " or variable "
                + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_')
                + ")");
      }
      return v;
    }

    boolean bool(String name, boolean fallback) {
      String v = get(name, Boolean.toString(fallback)).trim().toLowerCase(java.util.Locale.ROOT);
      return switch (v) {
        case "true", "yes", "on", "1" -> true;
        case "false", "no", "off", "0" -> false;
        default -> throw new InvalidInputException(name, "must be true or false, was '" + v + "'");
      };
    }

    int integer(String name, int fallback) {
      String v = get(name, Integer.toString(fallback));
      try {
        return Integer.parseInt(v.trim());
      } catch (NumberFormatException e) {
        throw new InvalidInputException(name, "must be an integer, was '" + v + "'");
      }
    }
  }
}
