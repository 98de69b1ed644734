package org.hybridstore.example.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.EtcdMember;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The example service as a whole, on a real 3-member etcd cluster: its REST API, and its health
 * through a quorum loss (2 of 3 members killed) and recovery while a client keeps writing.
 *
 * <p>Everything is local and cleaned up on failure too: etcd members are child processes on free
 * loopback ports (killed after the class, logs kept under {@code target/etcd-logs/} when a test
 * fails), the web server and the gossip transport take free ports, the journal lives in a temporary
 * directory, and the Spring context is closed after the class.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OrderServiceIT {
  // Generous: on a loaded CI machine (load 28 on 2 cores was seen) every step takes seconds.
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final EtcdClusterExtension etcd = EtcdClusterExtension.builder().withNodes(3).build();

  @TempDir static Path dir;

  @DynamicPropertySource
  static void store(DynamicPropertyRegistry registry) {
    registry.add("hybridstore.node-id", () -> "it-node-1");
    registry.add(
        "hybridstore.etcd.endpoints",
        () -> etcd.clientEndpoints().stream().map(URI::toString).collect(Collectors.joining(",")));
    registry.add("hybridstore.journal.data-dir", () -> dir.resolve("journal").toString());
    registry.add("hybridstore.gossip.port", () -> "0");
    registry.add("hybridstore.gossip.security.members", () -> "it-node-1");
    registry.add("hybridstore.gossip.security.secret-files", () -> secretFile().toString());
    registry.add("hybridstore.switchover.stable-period", () -> "500ms");
    // a slow machine must not degrade a healthy cluster; a dead majority is still seen in ~3 s
    registry.add("hybridstore.switchover.probe-timeout", () -> "1s");
  }

  // the cluster secret in a file, as in production (a file keeps it out of the environment)
  private static Path secretFile() {
    Path f = dir.resolve("gossip.secret");
    try {
      if (!Files.exists(f)) {
        Files.writeString(f, "an-example-cluster-secret-of-32-bytes-or-more\n");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return f;
  }

  @Value("${local.server.port}")
  int port;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  @Order(1)
  void api_createTransitionGet_andProblemDetails() throws Exception {
    // (a cold JVM on a loaded machine can miss the first probe's deadline and start DEGRADED)
    awaitHealth(new HealthStatus(200, "UP", "UP", "STRONG"));
    // Given an order created with an idempotency key
    Response created =
        post(
            "/orders",
            Map.of(
                "orderId",
                "o-api-1",
                "customer",
                "c-7",
                "currency",
                "EUR",
                "lines",
                List.of(Map.of("sku", "sku-1", "quantity", 2, "unitPriceMinor", 1250))),
            "key-1");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().path("acceptance").asText()).isEqualTo("STRONG");
    assertThat(created.json().path("order").path("totalMinor").asLong()).isEqualTo(2500);
    // the same key again: applied once, answered 200
    Response again =
        post(
            "/orders",
            Map.of(
                "orderId",
                "o-api-1",
                "customer",
                "c-7",
                "currency",
                "EUR",
                "lines",
                List.of(Map.of("sku", "sku-1", "quantity", 2, "unitPriceMinor", 1250))),
            "key-1");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().path("duplicate").asBoolean()).isTrue();

    // When it is paid
    Response paid = post("/orders/o-api-1/transitions", Map.of("to", "PAID"), null);
    assertThat(paid.status()).isEqualTo(200);
    // Then a linearizable read sees it
    Response read = get("/orders/o-api-1");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().path("order").path("status").asText()).isEqualTo("PAID");
    assertThat(read.json().path("servedBy").asText()).isEqualTo("LINEARIZABLE");

    // Problems: invalid body (Bean Validation), an illegal transition, an unknown order, a bad
    // parameter
    Response invalid = post("/orders", Map.of("customer", "", "currency", "euro"), null);
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.contentType()).startsWith("application/problem+json");
    assertThat(invalid.json().path("errors").findValuesAsText("field"))
        .containsExactlyInAnyOrder("currency", "customer");
    Response skipping = post("/orders/o-api-1/transitions", Map.of("to", "DELIVERED"), null);
    assertThat(skipping.status()).isEqualTo(409);
    assertThat(skipping.contentType()).startsWith("application/problem+json");
    assertThat(skipping.json().path("reason").asText()).isEqualTo("ILLEGAL_TRANSITION");
    assertThat(skipping.json().path("definite").asBoolean()).isTrue();
    Response toCreated = post("/orders/o-api-1/transitions", Map.of("to", "CREATED"), null);
    assertThat(toCreated.status()).isEqualTo(400);
    assertThat(toCreated.json().path("error").asText()).isEqualTo("invalid");
    Response missing = get("/orders/o-nobody");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().path("error").asText()).isEqualTo("not-found");
    assertThat(get("/orders/o-api-1?consistency=eventual").status()).isEqualTo(400);

    // The hybridstore endpoint reads; its write operations are off unless access is unrestricted
    Response view = get("/actuator/hybridstore");
    assertThat(view.status()).isEqualTo(200);
    assertThat(view.json().path("mode").asText()).isEqualTo("STRONG");
    assertThat(view.json().path("etcd").path("members").size()).isEqualTo(3);
    assertThat(post("/actuator/hybridstore/force-degrade", Map.of("reason", "x"), null).status())
        .isBetween(400, 499);
    assertThat(get("/actuator/hybridstore").json().path("mode").asText()).isEqualTo("STRONG");

    // The store's meters, with the application's common tag
    Response mode = get("/actuator/metrics/hybridstore.mode?tag=application:spring-order-service");
    assertThat(mode.status()).isEqualTo(200);
    assertThat(mode.json().path("measurements").get(0).path("value").asDouble()).isZero();
  }

  @Test
  @Order(2)
  void health_quorumLostAndRestored_upDegradedUp_writesAcknowledgedThroughout() throws Exception {
    // Given a healthy cluster
    awaitHealth(new HealthStatus(200, "UP", "UP", "STRONG"));

    // and a client writing one order after the other
    ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService client = Executors.newSingleThreadExecutor();
    Future<?> writer =
        client.submit(
            () -> {
              for (int i = 0; i < 5_000 && !stop.get(); i++) {
                String id = "o-load-" + i;
                try {
                  Response r =
                      post(
                          "/orders",
                          Map.of("orderId", id, "customer", "c-1", "currency", "EUR"),
                          "op-" + id);
                  writes.add(
                      new Write(
                          id,
                          r.status(),
                          r.status() < 300 ? r.json().path("acceptance").asText() : r.body()));
                } catch (IOException e) {
                  writes.add(new Write(id, -1, e.toString()));
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
              }
            });
    try {
      await().atMost(WAIT).until(() -> writes.size() >= 20);

      // When 2 of 3 etcd members are killed
      long killed = System.nanoTime();
      List<EtcdMember> victims = List.of(etcd.member(1), etcd.member(2));
      victims.forEach(EtcdMember::kill);

      // Then health goes DEGRADED, served with 200 (the app is not taken DOWN)
      awaitHealth(new HealthStatus(200, "DEGRADED", "DEGRADED", "DEGRADED"));
      long degradedAfter = millisSince(killed);
      // and writes keep being acknowledged, provisionally
      int before = writes.size();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  writes.stream()
                          .skip(before)
                          .filter(w -> "PROVISIONAL".equals(w.outcome()))
                          .count()
                      >= 20);

      // When the members come back
      long restarted = System.nanoTime();
      victims.forEach(EtcdMember::restart);

      // Then health goes UP again once the provisional writes are folded into etcd
      awaitHealth(new HealthStatus(200, "UP", "UP", "STRONG"));
      long upAfter = millisSince(restarted);
      int afterRecovery = writes.size();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  writes.stream()
                          .skip(afterRecovery)
                          .filter(w -> "STRONG".equals(w.outcome()))
                          .count()
                      >= 20);
      stop.set(true);
      writer.get(30, TimeUnit.SECONDS);

      // Every write was acknowledged, and every acknowledged order is in etcd
      List<Write> all = List.copyOf(writes);
      assertThat(all).allSatisfy(w -> assertThat(w.status()).as("%s", w).isEqualTo(201));
      for (Write w : all) {
        assertThat(get("/orders/" + w.orderId()).status()).as(w.orderId()).isEqualTo(200);
      }
      Map<String, Long> byAcceptance =
          all.stream().collect(Collectors.groupingBy(Write::outcome, Collectors.counting()));
      System.out.printf(
          "OrderServiceIT: %d writes %s; DEGRADED %d ms after the kill, UP %d ms after the restart%n",
          all.size(), byAcceptance, degradedAfter, upAfter);
    } finally {
      stop.set(true);
      client.shutdownNow();
      assertThat(client.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  private record Write(String orderId, int status, String outcome) {}

  private record HealthStatus(int http, String status, String hybridstore, String mode) {}

  private record Response(int status, String contentType, String body) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  private void awaitHealth(HealthStatus expected) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertThat(health()).isEqualTo(expected));
  }

  private HealthStatus health() throws IOException, InterruptedException {
    Response r = get("/actuator/health");
    JsonNode h = r.json();
    JsonNode store = h.path("components").path("hybridstore");
    return new HealthStatus(
        r.status(),
        h.path("status").asText(),
        store.path("status").asText(),
        store.path("details").path("mode").asText());
  }

  private Response get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT).GET().build());
  }

  private Response post(String path, Object body, String idempotencyKey)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    return send(b.build());
  }

  private Response send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    return new Response(
        r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
