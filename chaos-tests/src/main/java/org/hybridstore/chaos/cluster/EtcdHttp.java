package org.hybridstore.chaos.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Talks to etcd over its JSON gateway (the client port serves it next to gRPC), so the suite needs
 * no etcd client library for control: Status, member list and a health put. Every call has a
 * connect timeout and a request timeout; a paused member (SIGSTOP) accepts TCP and then hangs, so
 * the request timeout is what bounds it.
 */
final class EtcdHttp {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofMillis(500))
          .build();

  /** Status of one member, empty if it does not answer in time or answers with an error. */
  CompletableFuture<Optional<EtcdStatus>> status(URI endpoint, Duration timeout) {
    return post(endpoint, "/v3/maintenance/status", "{}", timeout)
        .thenApply(body -> body.flatMap(EtcdHttp::parseStatus));
  }

  /** Puts key=value through the endpoint; true if etcd acknowledged it in time. */
  CompletableFuture<Boolean> put(URI endpoint, String key, String value, Duration timeout) {
    String body = "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}";
    return post(endpoint, "/v3/kv/put", body, timeout)
        .thenApply(r -> r.map(EtcdHttp::isPutOk).orElse(false));
  }

  /**
   * One key's version as of a revision (0: now), as the Range call gives it; empty on no answer in
   * time or an error (a compacted revision included), a present empty optional value when the key
   * did not exist then.
   */
  CompletableFuture<Optional<Optional<KeyVersion>>> range(
      URI endpoint, String key, long revision, Duration timeout) {
    String body = "{\"key\":\"" + b64(key) + "\",\"revision\":\"" + revision + "\"}";
    return post(endpoint, "/v3/kv/range", body, timeout)
        .thenApply(r -> r.flatMap(EtcdHttp::parseRange));
  }

  /**
   * Compacts the key-value history at a revision (physically); true if etcd acknowledged it in
   * time.
   */
  CompletableFuture<Boolean> compact(URI endpoint, long revision, Duration timeout) {
    String body = "{\"revision\":\"" + revision + "\",\"physical\":true}";
    return post(endpoint, "/v3/kv/compaction", body, timeout)
        .thenApply(r -> r.map(EtcdHttp::isPutOk).orElse(false));
  }

  /** The store's current revision (a Range's header), empty on no answer in time. */
  CompletableFuture<Optional<Long>> revision(URI endpoint, Duration timeout) {
    String body = "{\"key\":\"" + b64("/") + "\"}";
    return post(endpoint, "/v3/kv/range", body, timeout)
        .thenApply(
            r ->
                r.flatMap(
                    b -> {
                      try {
                        JsonNode h = JSON.readTree(b).path("header");
                        return h.has("revision")
                            ? Optional.of(h.path("revision").asLong())
                            : Optional.empty();
                      } catch (IOException e) {
                        return Optional.empty();
                      }
                    }));
  }

  static Optional<Optional<KeyVersion>> parseRange(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (!n.has("header")) {
        return Optional.empty();
      }
      long now = n.path("header").path("revision").asLong(0);
      JsonNode kvs = n.path("kvs");
      if (!kvs.isArray() || kvs.isEmpty()) {
        return Optional.of(Optional.empty());
      }
      JsonNode kv = kvs.get(0);
      return Optional.of(
          Optional.of(
              new KeyVersion(
                  kv.path("mod_revision").asLong(0),
                  now,
                  Base64.getDecoder().decode(kv.path("value").asText("")))));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Member id to member name, from the member list. */
  Optional<Map<String, String>> members(URI endpoint, Duration timeout) {
    return post(endpoint, "/v3/cluster/member/list", "{}", timeout)
        .join()
        .flatMap(EtcdHttp::parseMembers);
  }

  private CompletableFuture<Optional<String>> post(
      URI endpoint, String path, String body, Duration timeout) {
    HttpRequest request =
        HttpRequest.newBuilder(endpoint.resolve(path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return client
        .sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .<Optional<String>>thenApply(
            r -> r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty())
        .exceptionally(e -> Optional.empty())
        .completeOnTimeout(Optional.empty(), timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
  }

  static Optional<EtcdStatus> parseStatus(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      JsonNode header = n.path("header");
      String member = header.path("member_id").asText("");
      if (member.isEmpty()) {
        return Optional.empty();
      }
      List<String> errors = new ArrayList<>();
      n.path("errors").forEach(e -> errors.add(e.asText()));
      return Optional.of(
          new EtcdStatus(
              member,
              n.path("leader").asText("0"),
              n.path("raftTerm").asLong(0),
              n.path("raftIndex").asLong(0),
              errors));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static Optional<Map<String, String>> parseMembers(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      Map<String, String> byId = new LinkedHashMap<>();
      n.path("members").forEach(m -> byId.put(m.path("ID").asText(""), m.path("name").asText("")));
      byId.remove("");
      return byId.isEmpty() ? Optional.empty() : Optional.of(byId);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static boolean isPutOk(String body) {
    try {
      return JSON.readTree(body).has("header");
    } catch (IOException e) {
      return false;
    }
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
