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
import org.hybridstore.SwitchoverConfig;

/**
 * The service's settings, from {@code --name value} flags or environment variables (flag
 * {@code --etcd} is variable {@code ETCD}, {@code --http-port} is {@code HTTP_PORT}); flags win.
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
 *   --stable-ms          STABLE_MS          span of the stable probes before reconciling, default 200
 *   --jolokia            JOLOKIA            embedded Jolokia (JMX over HTTP) on or off, default true
 *   --jolokia-host       JOLOKIA_HOST       default 127.0.0.1
 *   --jolokia-port       JOLOKIA_PORT       default 0 (any free port, printed at start)
 *   --jolokia-operations JOLOKIA_OPERATIONS allow exec and write (with credentials), default false
 *   --jolokia-user       JOLOKIA_USER       required with --jolokia-operations true
 *   --jolokia-password   JOLOKIA_PASSWORD   required with --jolokia-operations true; prefer the
 *                                           variable (a flag shows in the process's command line)
 *   --mutant             MUTANT             chaos-suite self-test only: start a deliberately broken
 *                                           build (a {@link NodeMutation} by name); default none
 * </pre>
 */
record ServiceConfig(NodeId nodeId, String httpHost, int httpPort, CpConfig cp, ApConfig ap,
    SwitchoverConfig switchover, JolokiaSettings jolokia, String mutant) {

  static ServiceConfig parse(String[] args, Map<String, String> env) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new InvalidInputException("arguments", "expected --name value pairs, got " + Arrays.toString(args));
      }
      flags.put(args[i].substring(2), args[++i]);
    }
    Settings s = new Settings(flags, env);
    List<URI> endpoints = Arrays.stream(s.required("etcd").split(",")).map(String::trim).map(URI::create).toList();
    CpConfig cp = CpConfig.builder().endpoints(endpoints)
        .requestTimeout(Duration.ofMillis(s.integer("request-timeout-ms", 2000))).build();
    String seeds = s.get("seeds", "");
    ApConfig ap = ApConfig.builder(Path.of(s.required("data-dir")))
        .bindHost(s.get("gossip-host", ApConfig.DEFAULT_BIND_HOST))
        .gossipPort(s.integer("gossip-port", 0))
        .seeds(seeds.isBlank() ? List.of() : Arrays.stream(seeds.split(",")).map(String::trim).toList())
        .build();
    SwitchoverConfig sw = SwitchoverConfig.builder()
        .strongWriteDeadline(Duration.ofMillis(s.integer("strong-deadline-ms", 1000)))
        .probeInterval(Duration.ofMillis(s.integer("probe-interval-ms", 100)))
        .probeTimeout(Duration.ofMillis(s.integer("probe-timeout-ms", 500)))
        .stablePeriod(Duration.ofMillis(s.integer("stable-ms",
            (int) SwitchoverConfig.DEFAULT_STABLE_PERIOD.toMillis())))
        .build();
    boolean operations = s.bool("jolokia-operations", false);
    JolokiaSettings jolokia = new JolokiaSettings(s.bool("jolokia", true), s.get("jolokia-host", "127.0.0.1"),
        s.integer("jolokia-port", 0), operations,
        operations ? s.required("jolokia-user") : s.get("jolokia-user", ""),
        operations ? s.required("jolokia-password") : s.get("jolokia-password", ""));
    return new ServiceConfig(NodeId.of(s.required("node-id")), s.get("http-host", "127.0.0.1"),
        s.integer("http-port", 8080), cp, ap, sw, jolokia, s.get("mutant", ""));
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
  record JolokiaSettings(boolean enabled, String host, int port, boolean operations, String user,
      String password) {
    JolokiaSettings {
      if (port < 0 || port > 65535) {
        throw new InvalidInputException("jolokia-port", "must be 0..65535, was " + port);
      }
      if (operations && (user.isBlank() || password.isBlank())) {
        throw new InvalidInputException("jolokia-operations", "needs --jolokia-user and --jolokia-password");
      }
    }

    /** Read-only Jolokia on a free localhost port: the default. */
    static JolokiaSettings readOnly() {
      return new JolokiaSettings(true, "127.0.0.1", 0, false, "", "");
    }

    @Override
    public String toString() {
      return "JolokiaSettings[enabled=" + enabled + ", host=" + host + ", port=" + port + ", operations="
          + operations + ", user=" + user + "]";
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
        throw new InvalidInputException(name, "is required (flag --" + name + " or variable "
            + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + ")");
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
