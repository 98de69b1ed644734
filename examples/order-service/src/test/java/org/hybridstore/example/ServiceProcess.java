package org.hybridstore.example;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.hybridstore.testkit.ChildProcesses;

/**
 * One order service in a child JVM on this JVM's class path (as the chaos suite runs them), with
 * its stdout and stderr in files. Knows its HTTP port and Jolokia URL from the {@code JOLOKIA url=}
 * and {@code READY http-port=} lines. The test kit's {@link ChildProcesses} kills whatever a failed
 * test left running when the JVM exits.
 */
final class ServiceProcess implements AutoCloseable {
  /** The test cluster's secret (a deployment keeps it in a file, never in code). */
  static final String TEST_PEER_SECRET = "order-service-test-secret-0123456789abcdef";

  final String nodeId;
  private final Process process;
  private final Path stdout;
  private final Path stderr;
  private int httpPort;
  private String jolokiaUrl = "";

  private ServiceProcess(String nodeId, Process process, Path stdout, Path stderr) {
    this.nodeId = nodeId;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts a node (does not wait for it).
   *
   * @param nodeId its node id
   * @param dir its directory (journal, logs)
   * @param args further {@code --name value} flags
   * @param env further environment variables
   * @return the process
   * @throws IOException if it cannot be started
   */
  static ServiceProcess start(String nodeId, Path dir, List<String> args, Map<String, String> env)
      throws IOException {
    Files.createDirectories(dir);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xss512k",
                // the node program as deployed: the module's runnable jar with its runtime class
                // path
                "-jar",
                nodeJar().toString(),
                "--node-id",
                nodeId,
                "--data-dir",
                dir.resolve("data").toString()));
    cmd.addAll(args);
    Path out = dir.resolve("stdout.log");
    Path err = dir.resolve("stderr.log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    // The test cluster's peer authentication, unless a test says otherwise (flags win over these)
    pb.environment().put("PEER_MEMBERS", "n1,n2,n3,n4,n5");
    pb.environment().put("PEER_SECRET", TEST_PEER_SECRET);
    pb.environment().putAll(env);
    Process p = pb.start();
    ChildProcesses.register(p);
    return new ServiceProcess(nodeId, p, out, err);
  }

  /** The jar {@code mvn package} built (ITs run after it), with its {@code lib/} beside it. */
  private static Path nodeJar() throws IOException {
    Path target = Path.of("target").toAbsolutePath();
    try (var files = Files.list(target)) {
      List<Path> jars =
          files
              .filter(
                  f -> f.getFileName().toString().matches("order-service-[^-]+(-SNAPSHOT)?\\.jar"))
              .toList();
      if (jars.size() != 1 || !Files.isDirectory(target.resolve("lib"))) {
        throw new IllegalStateException(
            "expected one runnable order-service jar and lib/ in "
                + target
                + ", found "
                + jars
                + "; ITs run after mvn package");
      }
      return jars.get(0);
    }
  }

  /**
   * Waits for the {@code READY} line.
   *
   * @param timeout how long to wait
   * @return this
   */
  ServiceProcess awaitReady(Duration timeout) throws IOException {
    await(nodeId + " printing READY")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    nodeId + " exited with " + process.exitValue() + ":\n" + logTail());
              }
              return readLines().stream().anyMatch(l -> l.startsWith("READY http-port="));
            });
    for (String line : readLines()) {
      if (line.startsWith("READY http-port=")) {
        httpPort = Integer.parseInt(line.substring("READY http-port=".length()).trim());
      } else if (line.startsWith("JOLOKIA url=")) {
        jolokiaUrl = line.substring("JOLOKIA url=".length()).trim();
      }
    }
    return this;
  }

  int httpPort() {
    return httpPort;
  }

  String jolokiaUrl() {
    return jolokiaUrl;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  List<String> readLines() throws IOException {
    return Files.exists(stdout) ? Files.readAllLines(stdout, StandardCharsets.UTF_8) : List.of();
  }

  /** Returns the last lines of stdout and stderr, for failure messages. */
  String logTail() {
    StringBuilder b = new StringBuilder();
    for (Path f : List.of(stdout, stderr)) {
      try {
        List<String> lines =
            Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of();
        b.append("--- ")
            .append(f)
            .append('\n')
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())))
            .append('\n');
      } catch (IOException e) {
        b.append("--- ").append(f).append(": ").append(e).append('\n');
      }
    }
    return b.toString();
  }

  /**
   * Stops the node as an operator would (SIGTERM) and returns its exit code.
   *
   * @param timeout how long to wait
   * @return the exit code (143 after SIGTERM)
   * @throws InterruptedException if interrupted
   */
  int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          nodeId + " did not stop within " + timeout + ":\n" + logTail());
    }
    ChildProcesses.unregister(process);
    return process.exitValue();
  }

  /**
   * Kills the node with SIGKILL (no shutdown hook runs, the journal is not closed) and waits for
   * it.
   */
  void killHard() {
    ChildProcesses.killTree(process);
  }

  /** Returns everything it wrote to stderr (its log). */
  String stderr() throws IOException {
    return Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
  }

  /** SIGTERM (graceful shutdown), then SIGKILL after 10 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        ChildProcesses.killTree(process);
      }
    } catch (InterruptedException e) {
      ChildProcesses.killTree(process);
      Thread.currentThread().interrupt();
    }
    ChildProcesses.unregister(process);
  }

  @Override
  public String toString() {
    return "ServiceProcess["
        + nodeId
        + ", pid "
        + process.pid()
        + ", http "
        + httpPort
        + ", jolokia "
        + Optional.ofNullable(jolokiaUrl).orElse("")
        + "]";
  }
}
