package org.hybridstore.ap.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.hybridstore.OrderId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node in a child JVM is killed with SIGKILL in the middle of a stream of writes; after a restart
 * on the same file every write it acknowledged is there, and its order is still in the reconcile
 * backlog (nothing folded it into etcd), both on the index rebuilt from the log after the kill and
 * on the index read back after a clean close. Twenty times over one journal; every fifth child
 * opens through the public factory with ScaleCube, the others skip the sockets (the journal, the
 * writer and the kill are the same) so the rounds stay fast.
 */
// A guard against a hang, not a speed target: 20 child JVMs take about 1 minute on a quiet
// 2-core machine and over 4 under a load average of 30.
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class CrashIT {
  private static final int ROUNDS = 20;

  @TempDir Path dir;
  private Process child;
  private final LocalHub hub = new LocalHub(3);
  private final List<TestNode> nodes = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    try {
      if (child != null) {
        child.destroyForcibly();
      }
      TestNode.closeAll(nodes);
    } finally {
      hub.close();
    }
  }

  @Test
  void sigkillMidStream_everyAcknowledgedWriteSurvives() throws Exception {
    Random random = new Random(42);
    Path data = dir.resolve("node");
    List<String> allAcked = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      // Given a child JVM writing as fast as it can
      Path out = dir.resolve("child-" + round + ".out");
      child =
          new ProcessBuilder(
                  javaBin(),
                  "-XX:TieredStopAtLevel=1",
                  "-XX:+UseSerialGC",
                  "-cp",
                  System.getProperty("java.class.path"),
                  CrashChild.class.getName(),
                  data.toString(),
                  "r" + round,
                  round % 5 == 0 ? "scalecube" : "local")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .redirectOutput(out.toFile())
              .start();
      int killAfter = 10 + random.nextInt(150);
      // When it is killed with SIGKILL after some acknowledgements, mid-stream
      Process running = child;
      Awaits.await(60).until(() -> !running.isAlive() || ackedLines(out).size() >= killAfter);
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).as("killed, not exited").isNotZero();
      child = null;
      List<String> acked = ackedLines(out);
      assertThat(acked.size()).as("round %d acks", round).isGreaterThanOrEqualTo(killAfter);
      allAcked.addAll(acked);
      // Then after a restart on the same file every acknowledged write of every round is there,
      // and still waits in the backlog: first on the index rebuilt from the log, then on the one
      // read back after a clean close
      for (String index : List.of("rebuilt after the kill", "reopened after a clean close")) {
        TestNode node = TestNode.inMemory("crash", TestNode.config(data).build(), hub);
        nodes.add(node);
        Set<OrderId> backlog = new HashSet<>(node.backend.backlogIds(Integer.MAX_VALUE));
        for (String id : allAcked) {
          assertThat(node.backend.read(OrderId.of(id)))
              .as("round %d, index %s: acknowledged %s", round, index, id)
              .isPresent();
          assertThat(backlog)
              .as("round %d, index %s: acknowledged %s in the backlog", round, index, id)
              .contains(OrderId.of(id));
        }
        TestNode.closeAll(nodes);
        nodes.clear();
      }
    }
    System.out.printf(
        "CrashIT: %d rounds, %d acknowledged writes, all present and in the backlog after SIGKILL%n",
        ROUNDS, allAcked.size());
  }

  /** Complete {@code ACK} lines written so far (a line cut by the kill has no newline). */
  private static List<String> ackedLines(Path out) throws java.io.IOException {
    String text = java.nio.file.Files.readString(out, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    List<String> acked = new ArrayList<>();
    if (end < 0) {
      return acked;
    }
    for (String line : text.substring(0, end).split("\n")) {
      if (line.startsWith("ACK ")) {
        acked.add(line.substring(4));
      }
    }
    return acked;
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
