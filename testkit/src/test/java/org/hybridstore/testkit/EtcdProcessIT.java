package org.hybridstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real one-member etcd through {@link EtcdProcess}: start, pause, resume, kill, restart. */
class EtcdProcessIT {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  @TempDir Path dir;
  private EtcdProcess member;

  @AfterEach
  void tearDown() {
    if (member != null) {
      member.kill();
    }
  }

  @Test
  void lifecycle_onTheSameDataDirectory() throws Exception {
    int[] ports = FreePorts.allocate(2);
    URI client = URI.create("http://127.0.0.1:" + ports[0]);
    URI peer = URI.create("http://127.0.0.1:" + ports[1]);
    EtcdCommand cmd =
        new EtcdCommand(
            "m0",
            dir.resolve("data"),
            client,
            peer,
            "m0=" + peer,
            "testkit-it",
            50,
            500,
            true,
            null);
    member =
        new EtcdProcess(
            System.getProperty("etcd.binary", "etcd"), List.of(), cmd, dir.resolve("m0.log"));
    assertThat(member.pid()).isEqualTo(-1);
    assertThat(member.exitCode()).isNull();

    member.start();
    awaitHealthy(client);
    assertThatThrownBy(member::start).isInstanceOf(IllegalStateException.class);

    member.pause();
    assertThat(member.isPaused()).isTrue();
    assertThat(ChildProcesses.isStopped(member.pid())).isTrue();
    member.resume();
    assertThat(member.isPaused()).isFalse();
    awaitHealthy(client);

    post(client, "/v3/kv/put", "{\"key\":\"a2V5\",\"value\":\"dmFsdWU=\"}"); // key=value
    long first = member.pid();
    member.kill();
    assertThat(member.isRunning()).isFalse();
    assertThat(member.exitCode()).isNotNull();
    member.restart();
    assertThat(member.pid()).isNotEqualTo(first);
    awaitHealthy(client);
    // the same data directory: the key written before the kill is there
    assertThat(post(client, "/v3/kv/range", "{\"key\":\"a2V5\"}")).contains("dmFsdWU=");
    assertThat(
            Files.readString(member.logFile()).split("=== hybridstore-testkit: starting etcd m0"))
        .hasSize(3);
    assertThat(member.logTail(1)).doesNotContain("\n");
  }

  private static String post(URI client, String path, String json) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(client.resolve(path))
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static void awaitHealthy(URI client) {
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptionsInstanceOf(IOException.class)
        .until(
            () ->
                HTTP.send(
                        HttpRequest.newBuilder(client.resolve("/health"))
                            .timeout(Duration.ofSeconds(1))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body()
                    .contains("\"health\":\"true\""));
  }
}
