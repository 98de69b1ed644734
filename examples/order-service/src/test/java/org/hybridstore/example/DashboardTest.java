package org.hybridstore.example;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The dashboard's two files over HTTP; what the page does is {@link DashboardIT}'s business. */
@Timeout(30)
class DashboardTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    new Dashboard("http://127.0.0.1:8778/jolokia/\"><script>").register(server);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void servesThePageWithThisNodesAgentAsDefault() throws Exception {
    HttpResponse<String> r = get("/dashboard?nodes=http://a:1/jolokia/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(r.body())
        .contains("<script src=\"dashboard.js\"></script>")
        .contains("content=\"http://127.0.0.1:8778/jolokia/&quot;&gt;&lt;script&gt;\"")
        .doesNotContain("@DEFAULT_JOLOKIA_URL@")
        // two modes (decision 66): folding a backlog is a STRONG card in amber, not a mode
        .contains(".card.mode-STRONG.folding", "STRONG, folding backlog")
        .doesNotContain("RECONCILING");
  }

  @Test
  void servesTheScript() throws Exception {
    HttpResponse<String> r = get("/dashboard.js");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
    assertThat(r.body())
        .contains("org.hybridstore:type=HybridOrderStore,*")
        .contains("var MODES = ['STRONG', 'DEGRADED'];")
        // data from the nodes goes in as text only
        .doesNotContain("innerHTML")
        .doesNotContain("insertAdjacentHTML")
        .doesNotContain("eval(");
  }

  @Test
  void refusesOtherPathsAndMethods() throws Exception {
    assertThat(get("/dashboard/x").statusCode()).isEqualTo(404);
    assertThat(get("/dashboardx").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        HTTP.send(
            HttpRequest.newBuilder(uri("/dashboard"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }
}
