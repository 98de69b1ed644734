package org.hybridstore.example;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hybridstore.testkit.ChildProcesses;

/**
 * Debian's headless Chromium, driven over the Chrome DevTools Protocol with nothing but the JDK's
 * WebSocket client: opens one page, evaluates JavaScript in it, takes screenshots. Each instance
 * has its own new profile directory and a DevTools port the browser picks itself; {@link #close()}
 * kills the browser and its helper processes and deletes the profile.
 *
 * <p>The binary is {@code /usr/bin/chromium}, or {@code -Dchromium.binary}. If it is missing,
 * {@link #launch} fails (rather than skipping the test): CI installs it with
 * scripts/install-deps.sh.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<String> console = new CopyOnWriteArrayList<>();

  private HeadlessChromium(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /** Returns the Chromium binary, or fails the test with how to install it. */
  static Path binary() {
    Path binary = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    if (!Files.isExecutable(binary)) {
      throw new AssertionError(
          "Chromium not found at "
              + binary
              + ": this test needs a real browser. Install "
              + "Debian's chromium package (scripts/install-deps.sh does: apt-get install chromium) or point "
              + "-Dchromium.binary at a Chromium/Chrome binary.");
    }
    return binary;
  }

  /**
   * Starts Chromium on a page and connects to it.
   *
   * @param url the page to open
   * @param logDir where the browser's output goes
   * @return the browser
   * @throws Exception if it does not start within 60 s
   */
  static HeadlessChromium launch(String url, Path logDir) throws Exception {
    Path binary = binary();
    Path profile = Files.createTempDirectory("hybridstore-chromium-");
    Files.createDirectories(logDir);
    List<String> cmd =
        List.of(
            binary.toString(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--window-size=1280,900",
            "--user-data-dir=" + profile,
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            url);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(logDir.resolve("chromium.log").toFile())
            .start();
    try {
      Path portFile = profile.resolve("DevToolsActivePort");
      await("Chromium's DevTools port")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                if (!p.isAlive()) {
                  throw new IllegalStateException(
                      "Chromium exited with "
                          + p.exitValue()
                          + "; see "
                          + logDir.resolve("chromium.log"));
                }
                return Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2;
              });
      int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String ws =
          await("Chromium's page target")
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(100))
              .ignoreExceptions()
              .until(() -> pageSocket(http, port), s -> s != null);
      HeadlessChromium[] self = new HeadlessChromium[1];
      WebSocket socket =
          http.newWebSocketBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .buildAsync(
                  URI.create(ws),
                  new Listener(
                      m -> {
                        HeadlessChromium c = self[0];
                        if (c != null) {
                          c.onMessage(m);
                        }
                      }))
              .get(30, TimeUnit.SECONDS);
      self[0] = new HeadlessChromium(p, profile, socket);
      self[0].call("Runtime.enable", Json.MAPPER.createObjectNode());
      return self[0];
    } catch (Exception | Error e) {
      destroy(p);
      ChildProcesses.deleteQuietly(profile);
      throw e;
    }
  }

  private static String pageSocket(HttpClient http, int port) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    for (JsonNode t : Json.MAPPER.readTree(r.body())) {
      if ("page".equals(t.path("type").asText()) && t.hasNonNull("webSocketDebuggerUrl")) {
        return t.get("webSocketDebuggerUrl").asText();
      }
    }
    return null;
  }

  /**
   * Evaluates an expression in the page.
   *
   * @param expression JavaScript; its value must be JSON-serialisable
   * @return the value
   */
  JsonNode evaluate(String expression) {
    ObjectNode params =
        Json.MAPPER
            .createObjectNode()
            .put("expression", expression)
            .put("returnByValue", true)
            .put("awaitPromise", true);
    JsonNode result = call("Runtime.evaluate", params);
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("page threw: " + result.get("exceptionDetails"));
    }
    return result.path("result").path("value");
  }

  /**
   * Writes a PNG of the page as it is now.
   *
   * @param file where
   * @throws IOException if it cannot be written
   */
  void screenshot(Path file) throws IOException {
    JsonNode r =
        call(
            "Page.captureScreenshot",
            Json.MAPPER
                .createObjectNode()
                .put("format", "png")
                .put("captureBeyondViewport", false));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode(r.path("data").asText()));
  }

  /**
   * Returns what the page logged to its console and the exceptions it threw, for failure messages.
   */
  List<String> console() {
    return List.copyOf(console);
  }

  private JsonNode call(String method, ObjectNode params) {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    ObjectNode message = Json.MAPPER.createObjectNode().put("id", id).put("method", method);
    message.set("params", params);
    socket
        .sendText(message.toString(), true)
        .orTimeout(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
        .join();
    JsonNode r = reply.orTimeout(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    if (r.has("error")) {
      throw new IllegalStateException(method + " failed: " + r.get("error"));
    }
    return r.path("result");
  }

  private void onMessage(String text) {
    JsonNode m;
    try {
      m = Json.MAPPER.readTree(text);
    } catch (IOException e) {
      return;
    }
    if (m.has("id")) {
      CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
      if (f != null) {
        f.complete(m);
      }
    } else if ("Runtime.consoleAPICalled".equals(m.path("method").asText())) {
      List<String> args = new ArrayList<>();
      m.path("params")
          .path("args")
          .forEach(a -> args.add(a.path("value").asText(a.path("description").asText())));
      console.add(m.path("params").path("type").asText() + ": " + String.join(" ", args));
    } else if ("Runtime.exceptionThrown".equals(m.path("method").asText())) {
      console.add("exception: " + m.path("params").path("exceptionDetails"));
    }
  }

  @Override
  public void close() {
    try {
      socket.abort();
    } finally {
      destroy(process);
      ChildProcesses.deleteQuietly(profile);
    }
  }

  private static void destroy(Process p) {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroy();
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }

  /** Collects a message's fragments and hands on whole messages. */
  private static final class Listener implements WebSocket.Listener {
    private final java.util.function.Consumer<String> onMessage;
    private final StringBuilder buffer = new StringBuilder();

    Listener(java.util.function.Consumer<String> onMessage) {
      this.onMessage = onMessage;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      buffer.append(data);
      if (last) {
        String m = buffer.toString();
        buffer.setLength(0);
        onMessage.accept(m);
      }
      webSocket.request(1);
      return null;
    }
  }
}
