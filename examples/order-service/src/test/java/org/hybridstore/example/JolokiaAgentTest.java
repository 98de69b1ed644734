package org.hybridstore.example;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The embedded Jolokia agent's security defaults, over real HTTP against a stand-in store MXBean:
 * read-only unless operations are enabled; then exec needs the credentials, reads do not.
 */
@Timeout(60)
class JolokiaAgentTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private FakeStoreMBean store;
  private JolokiaAgent agent;

  @BeforeEach
  void registerStore() throws Exception {
    store = new FakeStoreMBean();
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    store.close();
  }

  @Nested
  class ReadOnlyByDefault {
    @BeforeEach
    void start() throws Exception {
      agent = JolokiaAgent.start(ServiceConfig.JolokiaSettings.readOnly(), store.name);
    }

    @Test
    void listensOnLocalhostOnAFreePort() {
      assertThat(agent.url()).startsWith("http://127.0.0.1:").endsWith("/jolokia/");
      assertThat(agent.port()).isPositive();
    }

    @Test
    void readsWithoutCredentials() throws Exception {
      String path =
          "read/"
              + URLEncoder.encode(store.objectName.toString(), StandardCharsets.UTF_8)
                  .replace("+", "%20")
              + "/Mode";
      HttpResponse<String> r =
          send(HttpRequest.newBuilder(URI.create(agent.url() + path)).GET(), null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(Json.MAPPER.readTree(r.body()).path("value").asText()).isEqualTo("STRONG");

      JsonNode pattern = post(read("org.hybridstore:type=HybridOrderStore,*"), null).body;
      assertThat(pattern.path("status").asInt()).isEqualTo(200);
      assertThat(pattern.path("value").path(store.objectName.toString()).path("Mode").asText())
          .isEqualTo("STRONG");
    }

    @Test
    void refusesExecAndWrite() throws Exception {
      Reply exec = post(exec(store, "forceDegrade", "test"), null);
      assertThat(exec.http).isEqualTo(200); // Jolokia reports its refusals in the body
      assertThat(exec.body.path("status").asInt()).isEqualTo(403);
      Reply withCredentials = post(exec(store, "forceDegrade", "test"), basic("admin", "secret"));
      assertThat(withCredentials.body.path("status").asInt()).isEqualTo(403);
      Reply write =
          post(
              Json.MAPPER
                  .createObjectNode()
                  .put("type", "write")
                  .put("mbean", "java.lang:type=Memory")
                  .put("attribute", "Verbose")
                  .put("value", true),
              null);
      assertThat(write.body.path("status").asInt()).isEqualTo(403);
      HttpResponse<String> get =
          send(
              HttpRequest.newBuilder(
                      URI.create(
                          agent.url()
                              + "exec/"
                              + URLEncoder.encode(
                                  store.objectName.toString(), StandardCharsets.UTF_8)
                              + "/requestReconcile"))
                  .GET(),
              null);
      assertThat(Json.MAPPER.readTree(get.body()).path("status").asInt()).isEqualTo(403);
      assertThat(store.calls).isEmpty();
      assertThat(store.mode()).isEqualTo("STRONG");
    }

    @Test
    void hidesTheCommandLine() throws Exception {
      Reply r =
          post(
              Json.MAPPER
                  .createObjectNode()
                  .put("type", "read")
                  .put("mbean", "java.lang:type=Runtime")
                  .put("attribute", "SystemProperties"),
              null);
      assertThat(r.body.path("status").asInt()).isEqualTo(403);
    }

    @Test
    void allowsCrossOriginReadsForTheDashboard() throws Exception {
      HttpResponse<String> r =
          send(
              HttpRequest.newBuilder(URI.create(agent.url()))
                  .header("Origin", "http://dashboard.example:8080")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          read("org.hybridstore:type=HybridOrderStore,*").toString())),
              null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin"))
          .hasValueSatisfying(v -> assertThat(v).isIn("*", "http://dashboard.example:8080"));
    }
  }

  @Nested
  class WithOperations {
    @BeforeEach
    void start() throws Exception {
      agent =
          JolokiaAgent.start(
              new ServiceConfig.JolokiaSettings(true, "127.0.0.1", 0, true, "admin", "s3cret"),
              store.name);
    }

    @Test
    void execWithCredentials() throws Exception {
      Reply r = post(exec(store, "forceDegrade", "etcd maintenance"), basic("admin", "s3cret"));
      assertThat(r.http).isEqualTo(200);
      assertThat(r.body.path("status").asInt()).isEqualTo(200);
      assertThat(store.calls).containsExactly("forceDegrade:etcd maintenance");
      assertThat(store.mode()).isEqualTo("DEGRADED");
    }

    @Test
    void refusesExecWithoutOrWithWrongCredentials() throws Exception {
      assertThat(post(exec(store, "forceDegrade", "x"), null).http).isEqualTo(401);
      assertThat(post(exec(store, "forceDegrade", "x"), basic("admin", "wrong")).http)
          .isEqualTo(401);
      assertThat(post(exec(store, "forceDegrade", "x"), basic("root", "s3cret")).http)
          .isEqualTo(401);
      HttpResponse<String> get =
          send(
              HttpRequest.newBuilder(
                      URI.create(
                          agent.url()
                              + "exec/"
                              + URLEncoder.encode(
                                  store.objectName.toString(), StandardCharsets.UTF_8)
                              + "/requestReconcile"))
                  .GET(),
              null);
      assertThat(get.statusCode()).isEqualTo(401);
      // the request path hidden in Jolokia's "p" query parameter is classified too
      HttpResponse<String> hidden =
          send(
              HttpRequest.newBuilder(
                      URI.create(
                          agent.url()
                              + "read?p="
                              + URLEncoder.encode(
                                  "/exec/" + store.objectName + "/requestReconcile",
                                  StandardCharsets.UTF_8)))
                  .GET(),
              null);
      assertThat(hidden.statusCode()).isEqualTo(401);
      // a batch that hides one exec among reads
      ArrayNode batch =
          Json.MAPPER
              .createArrayNode()
              .add(read("org.hybridstore:*"))
              .add(exec(store, "requestReconcile"));
      assertThat(post(batch, null).http).isEqualTo(401);
      assertThat(store.calls).isEmpty();
    }

    @Test
    void readsStayOpen() throws Exception {
      Reply r = post(read("org.hybridstore:type=HybridOrderStore,*"), null);
      assertThat(r.http).isEqualTo(200);
      assertThat(r.body.path("value").path(store.objectName.toString()).path("Mode").asText())
          .isEqualTo("STRONG");
      ArrayNode batch =
          Json.MAPPER
              .createArrayNode()
              .add(read("org.hybridstore:*"))
              .add(Json.MAPPER.createObjectNode().put("type", "version"));
      assertThat(post(batch, null).http).isEqualTo(200);
      assertThat(
              send(HttpRequest.newBuilder(URI.create(agent.url() + "version")).GET(), null)
                  .statusCode())
          .isEqualTo(200);
    }

    @Test
    void refusesCredentialedExecFromAnotherOrigin() throws Exception {
      HttpResponse<String> r =
          send(
              HttpRequest.newBuilder(URI.create(agent.url()))
                  .header("Origin", "http://evil.example")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          exec(store, "forceDegrade", "csrf").toString())),
              basic("admin", "s3cret"));
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(store.calls).isEmpty();
    }

    @Test
    void keepsTheDiagnosticMBeansClosed() throws Exception {
      Reply r =
          post(
              Json.MAPPER
                  .createObjectNode()
                  .put("type", "exec")
                  .put("mbean", "com.sun.management:type=DiagnosticCommand")
                  .put("operation", "vmVersion"),
              basic("admin", "s3cret"));
      assertThat(r.body.path("status").asInt()).isEqualTo(403);
    }
  }

  // ---------------------------------------------------------------------------------------------

  private record Reply(int http, JsonNode body) {}

  private static ObjectNode read(String mbean) {
    return Json.MAPPER.createObjectNode().put("type", "read").put("mbean", mbean);
  }

  private static ObjectNode exec(FakeStoreMBean s, String operation, String... args) {
    ObjectNode n =
        Json.MAPPER
            .createObjectNode()
            .put("type", "exec")
            .put("mbean", s.objectName.toString())
            .put("operation", operation);
    ArrayNode a = n.putArray("arguments");
    for (String arg : args) {
      a.add(arg);
    }
    return n;
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private Reply post(JsonNode body, String authorization) throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(agent.url()))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())),
            authorization);
    return new Reply(
        r.statusCode(),
        r.body().isEmpty() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(r.body()));
  }

  private static HttpResponse<String> send(HttpRequest.Builder b, String authorization)
      throws Exception {
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return HTTP.send(
        b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
