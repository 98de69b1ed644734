package org.hybridstore.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.testkit.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser against a real cluster: 3 etcd members, 3 order services (child
 * JVMs, seeds pointing at each other, Jolokia with operations and credentials), headless Chromium
 * on node 1's {@code /dashboard} with all three agents. Forces node 2 to DEGRADED through Jolokia's
 * exec and checks that its card turns red (and the others stay green) and that the timeline shows
 * the change; then ends the forced degrade and checks the card goes back to STRONG.
 *
 * <p>Leaves {@code target/dashboard-degraded.png}; with {@code -Ddashboard.screenshot=path} it also
 * writes the screenshot there (how docs/dashboard.png is refreshed).
 */
@Timeout(300)
class DashboardIT {
  private static final String USER = "operator";
  private static final String PASSWORD = "dashboard-it-" + Long.toHexString(System.nanoTime());
  private static final String GREEN = "rgb(46, 125, 50)";
  private static final String RED = "rgb(198, 40, 40)";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** What the page shows, per card: node, mode, epoch, badge colour, reason. */
  private static final String CARDS =
      """
      JSON.stringify(Array.from(document.querySelectorAll('#cards .card')).map(c => ({
        node: c.dataset.node, mode: c.dataset.mode, epoch: c.dataset.epoch,
        colour: getComputedStyle(c.querySelector('.mode')).backgroundColor,
        reason: (c.querySelector('[data-role=reason]') || {}).textContent,
        backlog: (c.querySelector('[data-role=backlog]') || {}).textContent,
        etcd: c.querySelectorAll('[data-role=etcd] li.ok').length,
        peers: (c.querySelector('[data-role=peers]') || {}).textContent
      })))""";

  private static final String LOG =
      """
      JSON.stringify(Array.from(document.querySelectorAll('#log li')).map(l => l.dataset.node + '>' + l.dataset.to))""";

  /** The width (% of the bar) of n2's last DEGRADED segment on the timeline, 0 if none. */
  private static final String DEGRADED_SEGMENT_WIDTH =
      """
      (function () {
        var row = document.querySelector('.tl-row[data-node="n2"]');
        var segs = row ? row.querySelectorAll('.tl-seg[data-mode=DEGRADED]') : [];
        return segs.length ? parseFloat(segs[segs.length - 1].style.width) : 0;
      })()""";

  @RegisterExtension
  static final EtcdClusterExtension ETCD = EtcdClusterExtension.builder().withNodes(3).build();

  @TempDir Path work;

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    // in reverse: browser first, then the nodes
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  @Test
  void cardTurnsRedWhenANodeIsForcedToDegraded() throws Exception {
    HeadlessChromium
        .binary(); // fail now, with how to install it, rather than after starting a cluster

    List<ServiceProcess> nodes = startNodes(3);
    await("all nodes STRONG")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              for (ServiceProcess n : nodes) {
                if (!"STRONG".equals(readAttribute(n, "Mode").asText())) {
                  return false;
                }
              }
              return true;
            });

    String nodesParam =
        nodes.stream().map(ServiceProcess::jolokiaUrl).collect(Collectors.joining(","));
    String page = "http://127.0.0.1:" + nodes.get(0).httpPort() + "/dashboard?nodes=" + nodesParam;
    HeadlessChromium browser = HeadlessChromium.launch(page, work.resolve("chromium"));
    resources.add(browser);

    List<Card> before =
        awaitCards(
            browser,
            "3 green cards, each with 3 healthy etcd members",
            cards ->
                cards.size() == 3
                    && cards.stream()
                        .allMatch(
                            c -> c.mode.equals("STRONG") && c.colour.equals(GREEN) && c.etcd == 3));
    assertThat(before).extracting(c -> c.node).containsExactlyInAnyOrder("n1", "n2", "n3");
    assertThat(before)
        .allSatisfy(c -> assertThat(c.backlog).as("%s's backlog", c.node).isEqualTo("0"));

    ServiceProcess victim = nodes.get(1);
    JsonNode exec = exec(victim, "forceDegrade", "dashboard IT: planned etcd maintenance");
    assertThat(exec.path("status").asInt()).as("exec reply %s", exec).isEqualTo(200);

    List<Card> after =
        awaitCards(
            browser,
            "n2's card red",
            cards ->
                cards.stream()
                    .anyMatch(
                        c ->
                            c.node.equals("n2")
                                && c.mode.equals("DEGRADED")
                                && c.colour.equals(RED)));
    Card n2 = after.stream().filter(c -> c.node.equals("n2")).findFirst().orElseThrow();
    assertThat(n2.reason).contains("dashboard IT: planned etcd maintenance");
    assertThat(Long.parseLong(n2.epoch))
        .isGreaterThan(
            Long.parseLong(
                before.stream().filter(c -> c.node.equals("n2")).findFirst().orElseThrow().epoch));
    assertThat(after)
        .filteredOn(c -> !c.node.equals("n2"))
        .allSatisfy(c -> assertThat(c.mode + " " + c.colour).isEqualTo("STRONG " + GREEN));
    await("the timeline's log shows n2 going DEGRADED")
        .atMost(Duration.ofSeconds(10))
        .until(() -> browser.evaluate(LOG).asText(), log -> log.contains("\"n2>DEGRADED\""));
    // n1 and n3 learn n2's mode by gossip; their cards list it among the peers
    awaitCards(
        browser,
        "peers showing n2 DEGRADED",
        cards ->
            cards.stream()
                .filter(c -> !c.node.equals("n2"))
                .allMatch(c -> c.peers.contains("n2=DEGRADED")));

    // the timeline draws n2's degraded stretch in red (wait until it is wide enough to see)
    await("n2's red stretch on the timeline")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> browser.evaluate(DEGRADED_SEGMENT_WIDTH).asDouble(), width -> width >= 3.0);

    Path shot = Path.of("target", "dashboard-degraded.png");
    browser.screenshot(shot);
    assertThat(Files.size(shot)).isGreaterThan(10_000);
    String copy = System.getProperty("dashboard.screenshot", "");
    if (!copy.isBlank()) {
      Files.copy(shot, Path.of(copy), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    assertThat(exec(victim, "requestReconcile").path("status").asInt()).isEqualTo(200);
    awaitCards(
        browser,
        "n2's card green again",
        cards ->
            cards.stream()
                .anyMatch(
                    c -> c.node.equals("n2") && c.mode.equals("STRONG") && c.colour.equals(GREEN)));
    // straight back: DEGRADED -> STRONG, no mode in between (decision 66)
    assertThat(browser.evaluate(LOG).asText())
        .contains("\"n2>STRONG\"")
        .doesNotContain("RECONCILING");
    assertThat(browser.console()).as("page errors").noneMatch(l -> l.startsWith("exception"));
    nodes.forEach(n -> assertThat(n.isAlive()).as("%s alive", n).isTrue());

    // graceful shutdown with Jolokia running: HTTP, then Jolokia, then the store, without errors
    ServiceProcess n3 = nodes.get(2);
    assertThat(n3.terminate(Duration.ofSeconds(20))).isEqualTo(143);
    assertThat(n3.stderr())
        .contains("stopping")
        .doesNotContain(" ERROR ")
        .doesNotContain("Exception in thread");
  }

  private List<ServiceProcess> startNodes(int n) throws Exception {
    int[] gossip = FreePorts.allocate(n);
    String etcd =
        ETCD.clientEndpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    List<ServiceProcess> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> seeds = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        if (j != i) {
          seeds.add("127.0.0.1:" + gossip[j]);
        }
      }
      ServiceProcess p =
          ServiceProcess.start(
              "n" + (i + 1),
              work.resolve("n" + (i + 1)),
              List.of(
                  "--etcd",
                  etcd,
                  "--http-port",
                  "0",
                  "--gossip-port",
                  Integer.toString(gossip[i]),
                  "--seeds",
                  String.join(",", seeds),
                  "--jolokia-port",
                  "0",
                  "--jolokia-operations",
                  "true",
                  // lenient probes: a browser starting on a busy 2-core machine must not degrade a
                  // node by itself
                  "--probe-interval-ms",
                  "200",
                  "--probe-timeout-ms",
                  "1500",
                  "--jolokia-user",
                  USER),
              Map.of("JOLOKIA_PASSWORD", PASSWORD));
      resources.add(p);
      nodes.add(p);
    }
    for (ServiceProcess p : nodes) {
      p.awaitReady(Duration.ofSeconds(90));
      assertThat(p.jolokiaUrl())
          .as("%s's JOLOKIA line", p.nodeId)
          .startsWith("http://127.0.0.1:")
          .endsWith("/jolokia/");
    }
    return nodes;
  }

  private record Card(
      String node,
      String mode,
      String epoch,
      String colour,
      String reason,
      String backlog,
      int etcd,
      String peers) {}

  private static List<Card> awaitCards(
      HeadlessChromium browser, String what, java.util.function.Predicate<List<Card>> condition) {
    try {
      return await(what)
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> cards(browser), condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          what + " not seen; the page shows " + cards(browser) + "; console: " + browser.console(),
          e);
    }
  }

  private static List<Card> cards(HeadlessChromium browser) {
    try {
      List<Card> cards = new ArrayList<>();
      for (JsonNode c : Json.MAPPER.readTree(browser.evaluate(CARDS).asText())) {
        cards.add(
            new Card(
                c.path("node").asText(),
                c.path("mode").asText(),
                c.path("epoch").asText(),
                c.path("colour").asText(),
                c.path("reason").asText(),
                c.path("backlog").asText(),
                c.path("etcd").asInt(),
                c.path("peers").asText()));
      }
      return cards;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static JsonNode readAttribute(ServiceProcess node, String attribute) throws Exception {
    ObjectNode body =
        Json.MAPPER
            .createObjectNode()
            .put("type", "read")
            .put("mbean", objectName(node))
            .put("attribute", attribute);
    return post(node, body, false).path("value");
  }

  private static JsonNode exec(ServiceProcess node, String operation, String... args)
      throws Exception {
    ObjectNode body =
        Json.MAPPER
            .createObjectNode()
            .put("type", "exec")
            .put("mbean", objectName(node))
            .put("operation", operation);
    var a = body.putArray("arguments");
    for (String arg : args) {
      a.add(arg);
    }
    return post(node, body, true);
  }

  private static String objectName(ServiceProcess node) {
    return "org.hybridstore:type=HybridOrderStore,name=\"" + node.nodeId + "\"";
  }

  private static JsonNode post(ServiceProcess node, JsonNode body, boolean credentials)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(node.jolokiaUrl()))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (credentials) {
      b.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          "Jolokia at " + node.jolokiaUrl() + " answered HTTP " + r.statusCode());
    }
    return Json.MAPPER.readTree(r.body());
  }
}
