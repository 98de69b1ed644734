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
 *   --probe-timeout-ms   PROBE_TIMEOUT_MS   default 300
 *   --stable-ms          STABLE_MS          probe success needed before reconciling, default 1000
 * </pre>
 */
record ServiceConfig(NodeId nodeId, String httpHost, int httpPort, CpConfig cp, ApConfig ap,
    SwitchoverConfig switchover) {

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
        .probeTimeout(Duration.ofMillis(s.integer("probe-timeout-ms", 300)))
        .stablePeriod(Duration.ofMillis(s.integer("stable-ms", 1000)))
        .build();
    return new ServiceConfig(NodeId.of(s.required("node-id")), s.get("http-host", "127.0.0.1"),
        s.integer("http-port", 8080), cp, ap, sw);
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
