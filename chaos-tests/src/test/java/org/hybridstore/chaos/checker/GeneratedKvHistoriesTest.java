package org.hybridstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hybridstore.chaos.checker.LinearizabilityChecker.Options;
import org.hybridstore.chaos.checker.model.KvModel;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.HistoryReaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated 50-client kv histories ({@code histories/kv-generated/}, see its PROVENANCE.md):
 * each is exactly what {@link KvHistoryGenerator} makes from its seed, and gets its verdict; the
 * stale keys are proven by the pre-pass, the swapped appends only by the search.
 */
class GeneratedKvHistoriesTest {

  static List<String> names() {
    return KvHistoryGenerator.COMMITTED;
  }

  static Path file(String name) {
    return ReferenceHistories.base().resolve("kv-generated/" + name + ".txt");
  }

  static History read(String name) {
    try {
      return HistoryReaders.read(file(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void committedFileIsWhatTheGeneratorMakes(String name) throws IOException {
    // Given the generator's events for this file, When rendered, Then they are the committed file
    StringBuilder expected = new StringBuilder();
    for (KvHistoryGenerator.Event e : KvHistoryGenerator.committed(name)) {
      expected.append(e.line()).append('\n');
    }
    assertThat(Files.readString(file(name), StandardCharsets.UTF_8)).isEqualTo(expected.toString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void generatedHistoryGetsItsVerdict(String name) {
    // Given a generated history, with and without the pre-pass
    History h = read(name);
    Options options = Options.defaults().withBudget(Budget.ofTime(Duration.ofSeconds(60)));
    LinearizabilityResult r = LinearizabilityChecker.of(new KvModel(), options).analyze(h);
    LinearizabilityResult search =
        LinearizabilityChecker.of(new KvModel(), options.withPrePass(false)).analyze(h);

    // Then ok files are valid, bad ones invalid on one of the keys that were broken
    boolean ok = name.contains("-ok-");
    assertThat(r.validity())
        .as(name + " " + r.unknownReason())
        .isEqualTo(ok ? Validity.VALID : Validity.INVALID);
    assertThat(search.validity()).as(name + " search only").isEqualTo(r.validity());
    assertThat(r.partitions()).isEqualTo(10);
    if (name.endsWith("stale")) {
      assertThat(r.counterexample().proof()).as("proven by the pre-pass").isNotNull();
      assertThat(r.counterexample().partition()).isIn("4", "7");
    }
    if (name.endsWith("order")) {
      assertThat(r.counterexample().proof()).as("only the search finds swapped appends").isNull();
      assertThat(r.counterexample().partition()).isIn("2", "8");
    }
  }
}
