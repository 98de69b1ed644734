package org.hybridstore.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.hybridstore.OpId;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.testkit.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write's fate over HTTP, on real parts: 3 etcd members and two order services in child JVMs that
 * gossip with each other. Node n1 accepts a write while it cannot reach etcd, so the write is
 * provisional; n1 is then killed with SIGKILL; its peer n2 folds the write into etcd; restarted, n1
 * answers {@code GET /commands/{opId}} with the same revision and order as n2, and that revision is
 * the first version of the order's etcd key that holds the op id. n2 streams the change feed as
 * server-sent events.
 */
@Timeout(300)
class ConfirmationServiceIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String PREFIX = "/hybridstore/orders/";

  @RegisterExtension
  static final EtcdClusterExtension ETCD = EtcdClusterExtension.builder().withNodes(3).build();

  @TempDir Path work;

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  private ServiceProcess start(String node, String etcd, int gossip, int peerGossip)
      throws Exception {
    ServiceProcess p =
        ServiceProcess.start(
            node,
            work.resolve(node),
            List.of(
                "--etcd",
                etcd,
                "--http-port",
                "0",
                "--gossip-port",
                Integer.toString(gossip),
                "--seeds",
                "127.0.0.1:" + peerGossip,
                "--jolokia",
                "false"),
            Map.of());
    resources.add(p);
    return p.awaitReady(Duration.ofSeconds(90));
  }

  private static HttpResponse<String> get(ServiceProcess node, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
            .timeout(Duration.ofSeconds(40))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return Json.MAPPER.readTree(r.body());
  }

  private static JsonNode post(ServiceProcess node, String body) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/commands"))
                .timeout(Duration.ofSeconds(40))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("POST %s: %s", body, r.body()).isEqualTo(200);
    return json(r);
  }

  private static KeyValue etcdAt(Client raw, String order, long revision) throws Exception {
    List<KeyValue> kvs =
        raw.getKVClient()
            .get(
                ByteSequence.from(PREFIX + order, StandardCharsets.UTF_8),
                GetOption.builder().withRevision(revision).build())
            .get(10, TimeUnit.SECONDS)
            .getKvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  @Test
  void acceptingNodeKilled_peerFoldsTheWriteIn_restartedNodeAnswersTheConfirmation()
      throws Exception {
    int[] gossip = FreePorts.allocate(2);
    int[] dead = FreePorts.allocate(1);
    String etcd =
        ETCD.clientEndpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    // Given n1 that cannot reach etcd (nothing listens on its endpoint) and n2 that can
    ServiceProcess n1 = start("n1", "http://127.0.0.1:" + dead[0], gossip[0], gossip[1]);
    ServiceProcess n2 = start("n2", etcd, gossip[1], gossip[0]);
    await("n1 DEGRADED, n2 STRONG")
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () ->
                json(get(n1, "/mode")).path("mode").asText().equals("DEGRADED")
                    && json(get(n2, "/mode")).path("mode").asText().equals("STRONG"));

    // When n1 accepts a write
    String op = "confirm-" + Long.toHexString(System.nanoTime());
    String order = "o-" + op;
    JsonNode ack =
        post(
            n1,
            "{\"type\":\"create\",\"orderId\":\""
                + order
                + "\",\"opId\":\""
                + op
                + "\",\"customer\":\"c-1\",\"currency\":\"EUR\"}");
    // Then it is provisional, and the answer names where to ask
    assertThat(ack.path("acceptance").asText()).isEqualTo("PROVISIONAL");
    assertThat(ack.path("orderId").asText()).isEqualTo(order);
    assertThat(ack.path("confirmation").asText()).isEqualTo("/commands/" + op);
    assertThat(ack.has("revision")).isFalse();
    JsonNode early = json(get(n1, "/commands/" + op + "?waitMs=0"));
    assertThat(early.path("state").asText()).isEqualTo("provisional");
    assertThat(early.path("orderId").asText()).isEqualTo(order);

    // When n1 dies with SIGKILL once its peer has the record
    await("n2 holds the record")
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> get(n2, "/orders/" + order + "?consistency=local").statusCode() == 200);
    n1.killHard();
    // Then n2 folds the write into etcd and confirms it
    JsonNode onN2 =
        await("n2 confirms the write")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(
                () -> json(get(n2, "/commands/" + op + "?waitMs=5000")),
                n -> n.path("state").asText().equals("confirmed"));
    long revision = onN2.path("revision").asLong();
    assertThat(onN2.path("orderId").asText()).isEqualTo(order);
    assertThat(onN2.path("firstRevision").asBoolean()).isTrue();
    assertThat(onN2.path("outcomeChanged").asBoolean()).isFalse();
    assertThat(onN2.path("acknowledgedStatus").isNull()).as("n2 did not acknowledge it").isTrue();
    assertThat(onN2.path("order").path("status").asText()).isEqualTo("CREATED");
    // and that revision is the first version of the key in etcd holding the op id
    try (Client raw = ETCD.newClient()) {
      KeyValue at = etcdAt(raw, order, revision);
      assertThat(at).isNotNull();
      assertThat(at.getModRevision()).isEqualTo(revision);
      OrderRecord record = RecordCodec.decode(at.getValue().getBytes(), "etcd");
      assertThat(record.appliedOps().contains(OpId.of(op))).isTrue();
      assertThat(Json.order(record.toOrder()).toString()).isEqualTo(onN2.path("order").toString());
      assertThat(etcdAt(raw, order, revision - 1)).as("no version before").isNull();
    }

    // When n1 restarts on its journal, now reaching etcd
    ServiceProcess again = start("n1", etcd, gossip[0], gossip[1]);
    // Then it answers the same confirmation by op id
    JsonNode onN1 =
        await("restarted n1 confirms")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(
                () -> json(get(again, "/commands/" + op + "?waitMs=10000")),
                n -> n.path("state").asText().equals("confirmed"));
    assertThat(onN1.path("revision").asLong()).isEqualTo(revision);
    assertThat(onN1.path("order")).isEqualTo(onN2.path("order"));
    assertThat(onN1.path("firstRevision").asBoolean()).isTrue();
    // and an op id nobody applied is unknown (404), a malformed one invalid (400), a bad wait
    // invalid (400)
    HttpResponse<String> unknown = get(again, "/commands/never-" + op);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).path("state").asText()).isEqualTo("unknown");
    assertThat(get(again, "/commands/bad%20id").statusCode()).isEqualTo(400);
    assertThat(get(again, "/commands/" + op + "?waitMs=60001").statusCode()).isEqualTo(400);

    // And a STRONG write's answer carries its revision at once
    JsonNode strong =
        post(
            again,
            "{\"type\":\"set-attribute\",\"orderId\":\""
                + order
                + "\",\"opId\":\""
                + op
                + "-2\",\"key\":\"note\",\"value\":\"after restart\"}");
    assertThat(strong.path("acceptance").asText()).isEqualTo("STRONG");
    assertThat(strong.path("revision").asLong()).isGreaterThan(revision);
  }

  @Test
  void changes_streamsTheFeedAsServerSentEvents() throws Exception {
    int[] gossip = FreePorts.allocate(2);
    String etcd =
        ETCD.clientEndpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    // a member of the test cluster's peer authentication (ServiceProcess: n1 to n5)
    ServiceProcess n = start("n3", etcd, gossip[0], gossip[1]);
    String order = "sse-" + Long.toHexString(System.nanoTime());
    JsonNode created =
        post(
            n,
            "{\"type\":\"create\",\"orderId\":\""
                + order
                + "\",\"opId\":\""
                + order
                + "-1\",\"customer\":\"c-1\",\"currency\":\"EUR\"}");
    long createdAt = created.path("revision").asLong();
    // Given a stream from revision 0: every order first (resync), then live changes
    HttpResponse<InputStream> stream =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + n.httpPort() + "/changes?from=0"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  lines.add(line);
                }
              } catch (Exception e) {
                lines.add("closed: " + e);
              }
            },
            "sse-reader");
    reader.setDaemon(true);
    reader.start();
    resources.add(
        () -> {
          stream.body().close();
          reader.interrupt();
        });
    await("the re-read event")
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                lines.contains("event: resync")
                    && lines.stream().anyMatch(l -> l.startsWith("data: ") && l.contains(order)));
    String resync =
        lines.stream()
            .filter(l -> l.startsWith("data: ") && l.contains(order))
            .findFirst()
            .orElseThrow();
    assertThat(json(resync).path("revision").asLong()).isEqualTo(createdAt);
    assertThat(json(resync).path("kind").asText()).isEqualTo("RESYNC");
    assertThat(json(resync).path("opKeys").get(0).asText())
        .isEqualTo(String.format("%016x", OpId.of(order + "-1").key()));
    // When the order changes, Then the change arrives as a committed event with its revision as id
    JsonNode paid =
        post(
            n,
            "{\"type\":\"transition\",\"orderId\":\""
                + order
                + "\",\"opId\":\""
                + order
                + "-2\",\"to\":\"PAID\"}");
    long paidAt = paid.path("revision").asLong();
    await("the live event")
        .atMost(Duration.ofSeconds(20))
        .until(() -> lines.contains("id: " + paidAt));
    int at = lines.indexOf("id: " + paidAt);
    assertThat(lines.get(at + 1)).isEqualTo("event: committed");
    JsonNode live = json(lines.get(at + 2).substring("data: ".length()));
    assertThat(live.path("revision").asLong()).isEqualTo(paidAt);
    assertThat(live.path("order").path("status").asText()).isEqualTo("PAID");
    // And bad parameters are refused before anything is streamed
    assertThat(get(n, "/changes?from=-1").statusCode()).isEqualTo(400);
    assertThat(get(n, "/changes?buffer=2").statusCode()).isEqualTo(400);
  }

  private static JsonNode json(String dataLine) throws Exception {
    return Json.MAPPER.readTree(
        dataLine.startsWith("data: ") ? dataLine.substring("data: ".length()) : dataLine);
  }
}
