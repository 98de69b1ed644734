package org.hybridstore.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API's defences on a real service process: the write token, the test-only endpoints
 * (absent unless enabled, then behind the admin token and bounded), and a client flood that gets
 * 503s with Retry-After from a bounded server instead of killing the process.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HttpSecurityIT {
  private static final String API_TOKEN = "api-token-for-the-test";
  private static final String ADMIN_TOKEN = "admin-token-for-the-test";

  @RegisterExtension
  static final EtcdClusterExtension ETCD = EtcdClusterExtension.builder().withNodes(1).build();

  @TempDir Path work;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final ExecutorService threads = Executors.newFixedThreadPool(4);
  private final HttpClient http =
      HttpClient.newBuilder()
          .executor(threads)
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void stop() throws Exception {
    try {
      for (AutoCloseable r : resources) {
        r.close();
      }
    } finally {
      threads.shutdownNow();
    }
  }

  private ServiceProcess start(String node, List<String> flags, Map<String, String> env)
      throws Exception {
    String etcd =
        ETCD.clientEndpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    List<String> args =
        new ArrayList<>(List.of("--etcd", etcd, "--http-port", "0", "--jolokia", "false"));
    args.addAll(flags);
    ServiceProcess p = ServiceProcess.start(node, work.resolve(node), args, env);
    resources.add(p);
    p.awaitReady(Duration.ofSeconds(90));
    return p;
  }

  private HttpResponse<String> post(ServiceProcess p, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.httpPort() + path))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String create(String id) {
    return "{\"type\":\"create\",\"orderId\":\""
        + id
        + "\",\"opId\":\"op-"
        + id
        + "\",\"customer\":\"c-1\",\"currency\":\"EUR\"}";
  }

  @Test
  void tokensAndTestEndpoints_enforced() throws Exception {
    // Given a node with an API token and test endpoints behind an admin token, offsets up to 2 s
    ServiceProcess n =
        start(
            "n1",
            List.of(
                "--api-token",
                API_TOKEN,
                "--test-endpoints",
                "true",
                "--test-clock-offset-limit-ms",
                "2000"),
            Map.of("ADMIN_TOKEN", ADMIN_TOKEN));
    // Then a write needs the API token
    assertThat(post(n, "/commands", create("o-1"), null).statusCode()).isEqualTo(401);
    assertThat(post(n, "/commands", create("o-1"), "wrong").statusCode()).isEqualTo(401);
    HttpResponse<String> ok = post(n, "/commands", create("o-1"), API_TOKEN);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    // ... the clock offset needs the admin token (the API token is not enough) and stays in bounds
    assertThat(post(n, "/admin/clock-offset?millis=500", "", null).statusCode()).isEqualTo(401);
    assertThat(post(n, "/admin/clock-offset?millis=500", "", API_TOKEN).statusCode())
        .isEqualTo(401);
    assertThat(post(n, "/admin/clock-offset?millis=2001", "", ADMIN_TOKEN).statusCode())
        .isEqualTo(400);
    HttpResponse<String> skewed = post(n, "/admin/clock-offset?millis=-2000", "", ADMIN_TOKEN);
    assertThat(skewed.statusCode()).isEqualTo(200);
    assertThat(skewed.body()).contains("\"clockOffsetMillis\":-2000");
    assertThat(n.stderr())
        .contains("peer authentication")
        .doesNotContain(ADMIN_TOKEN)
        .doesNotContain(API_TOKEN);
  }

  @Test
  void testEndpoints_absentByDefault_andWritesOpenWithoutAToken() throws Exception {
    ServiceProcess n = start("n2", List.of(), Map.of());
    assertThat(post(n, "/admin/clock-offset?millis=1", "", ADMIN_TOKEN).statusCode())
        .isEqualTo(404);
    assertThat(post(n, "/commands", create("o-2"), null).statusCode()).isEqualTo(200);
    // and /mode reports the node's heap (the chaos suite's resources check samples it)
    HttpResponse<String> mode =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort() + "/mode"))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    var jvm = Json.MAPPER.readTree(mode.body()).path("jvm");
    long max = jvm.path("heapMaxBytes").asLong();
    assertThat(max).as(mode.body()).isPositive();
    assertThat(jvm.path("heapUsedBytes").asLong()).isPositive().isLessThanOrEqualTo(max);
    assertThat(jvm.path("heapAfterLastGcBytes").asLong())
        .as("-1 before the first collection")
        .isBetween(-1L, max);
    assertThat(jvm.path("heapLiveBytes").asLong()).isBetween(0L, max);
  }

  @Test
  void clientFlood_gets503sWithRetryAfter_andTheServiceSurvives() throws Exception {
    // Given a node with 2 workers and a queue of 4
    ServiceProcess n = start("n3", List.of("--http-threads", "2", "--http-queue", "4"), Map.of());
    // When 400 writes arrive at once
    List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(threads)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    for (int i = 0; i < 400; i++) {
      flood.add(
          client.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort() + "/commands"))
                  .timeout(Duration.ofSeconds(60))
                  .POST(HttpRequest.BodyPublishers.ofString(create("f-" + i)))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    int served = 0;
    int overloaded = 0;
    for (CompletableFuture<HttpResponse<String>> f : flood) {
      try {
        HttpResponse<String> r = f.get(90, TimeUnit.SECONDS);
        if (r.statusCode() == 200) {
          served++;
        } else if (r.statusCode() == 503) {
          overloaded++;
          assertThat(r.headers().firstValue("Retry-After")).contains("1");
        }
      } catch (java.util.concurrent.ExecutionException refused) {
        // a connection the server closed because even its overflow queue was full: also not served
      }
    }
    // Then some were served, others refused with 503, and the node is alive and answers
    assertThat(served).isPositive();
    assertThat(overloaded).isPositive();
    assertThat(n.isAlive()).isTrue();
    HttpResponse<String> after = post(n, "/commands", create("after"), null);
    assertThat(after.statusCode()).isEqualTo(200);
    System.out.printf(
        "HttpSecurityIT flood: 400 writes, %d served, %d answered 503%n", served, overloaded);
  }
}
