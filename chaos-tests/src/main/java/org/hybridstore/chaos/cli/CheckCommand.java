package org.hybridstore.chaos.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.hybridstore.chaos.checker.Budget;
import org.hybridstore.chaos.checker.LinearizabilityChecker;
import org.hybridstore.chaos.checker.LinearizabilityResult;
import org.hybridstore.chaos.checker.Validity;
import org.hybridstore.chaos.checker.model.Model;
import org.hybridstore.chaos.checker.model.Models;
import org.hybridstore.chaos.checker.model.NilReads;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.HistoryFormat;
import org.hybridstore.chaos.history.HistoryReaders;
import org.hybridstore.chaos.history.MalformedHistoryException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code chaos check}: checks history files for linearizability.
 *
 * <p>Prints {@code <file> <valid|invalid|unknown> <milliseconds>} per file (with the counterexample
 * under an invalid file), then a summary line. Exit code: 0 when all files are valid, 1 when any is
 * invalid, otherwise 2 when any is unknown (budget exceeded, or nothing to check: an empty history
 * such as Porcupine's etcd_095.log, or one whose operations all have unknown outcomes) or
 * unreadable.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = "Check histories for linearizability (Wing-Gong-Lowe search with memoisation).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:all files are linearizable",
      "1:some file is not linearizable",
      "2:some file is unknown (budget exceeded or nothing to check), unreadable, or the arguments are wrong"
    })
public final class CheckCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--model",
      paramLabel = "MODEL",
      description =
          "cas-register, kv, multi-register or mutex (default: kv for porcupine-kv files, else cas-register)")
  private String model;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "auto",
      description = "auto, edn, jepsen-log, porcupine-kv or jsonl (default: ${DEFAULT-VALUE})")
  private String format;

  @Option(
      names = "--nil-read",
      paramLabel = "strict|lenient",
      defaultValue = "strict",
      description =
          "strict: a nil read means the register was empty; lenient: a nil read matches anything, as Knossos (default: ${DEFAULT-VALUE})")
  private String nilRead;

  @Option(
      names = "--initial",
      paramLabel = "VALUE",
      defaultValue = "nil",
      description =
          "initial register value for cas-register: nil or an integer (default: ${DEFAULT-VALUE})")
  private String initial;

  @Option(
      names = "--time-limit",
      paramLabel = "SECONDS",
      defaultValue = "60",
      description =
          "time budget per file; when exceeded the verdict is unknown (default: ${DEFAULT-VALUE})")
  private double timeLimitSeconds;

  @Option(
      names = "--max-states",
      paramLabel = "N",
      description =
          "memory budget: most memoised configurations per search (default: derived from the heap)")
  private Long maxStates;

  @Option(names = "--no-split", description = "do not split keyed histories by key")
  private boolean noSplit;

  @Option(
      names = {"-v", "--verbose"},
      description = "print statistics for every file")
  private boolean verbose;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "history files")
  private List<Path> files;

  /** Creates the command; picocli fills the fields. */
  @SuppressWarnings("NullAway.Init") // picocli injects the fields
  public CheckCommand() {
    // fields are injected by picocli
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    NilReads nilReads =
        switch (nilRead) {
          case "strict" -> NilReads.STRICT;
          case "lenient" -> NilReads.LENIENT;
          default ->
              throw new picocli.CommandLine.ParameterException(
                  spec.commandLine(), "--nil-read must be strict or lenient: " + nilRead);
        };
    Object initialValue = parseInitial();
    if (timeLimitSeconds <= 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--time-limit must be positive");
    }
    Budget defaults = Budget.ofTime(Duration.ofMillis((long) Math.ceil(timeLimitSeconds * 1000)));
    Budget budget = maxStates == null ? defaults : new Budget(defaults.timeLimit(), maxStates);
    LinearizabilityChecker.Options options =
        LinearizabilityChecker.Options.defaults().withBudget(budget).withSplitByKey(!noSplit);

    int valid = 0;
    int invalid = 0;
    int unknown = 0;
    int unreadable = 0;
    long totalStart = System.nanoTime();
    for (Path file : files) {
      long start = System.nanoTime();
      try {
        HistoryFormat fmt =
            format.equals("auto") ? HistoryFormat.detect(file) : HistoryFormat.parse(format);
        History history = HistoryReaders.read(file, fmt);
        Model<?> m = Models.byName(modelFor(fmt), initialValue, nilReads);
        LinearizabilityResult r = LinearizabilityChecker.of(m, options).analyze(history);
        out.printf("%s %s %d%n", file, r.validity().label(), millisSince(start));
        if (verbose) {
          out.printf(
              "  model %s, %d operations, %d partitions, %d memoised configurations%n",
              r.model(), r.operations(), r.partitions(), r.cacheEntries());
        }
        switch (r.validity()) {
          case VALID -> valid++;
          case INVALID -> {
            invalid++;
            out.print(Objects.requireNonNull(r.counterexample()).render());
          }
          case UNKNOWN -> {
            unknown++;
            out.printf("  unknown: %s%n", r.unknownReason());
          }
          default -> throw new IllegalStateException();
        }
      } catch (MalformedHistoryException e) {
        unreadable++;
        out.printf("%s %s %d%n", file, Validity.UNKNOWN.label(), millisSince(start));
        err.printf("  unreadable: %s%n", e.getMessage());
      } catch (IOException | IllegalArgumentException e) {
        unreadable++;
        out.printf("%s %s %d%n", file, Validity.UNKNOWN.label(), millisSince(start));
        err.printf("  error: %s%n", Files.exists(file) ? e.getMessage() : "no such file");
      }
    }
    out.printf(
        "checked %d files in %d ms: %d valid, %d invalid, %d unknown, %d unreadable%n",
        files.size(), millisSince(totalStart), valid, invalid, unknown, unreadable);
    out.flush();
    err.flush();
    if (invalid > 0) {
      return 1;
    }
    return unknown + unreadable > 0 ? 2 : 0;
  }

  private String modelFor(HistoryFormat fmt) {
    if (model != null) {
      return model;
    }
    return fmt == HistoryFormat.PORCUPINE_KV ? "kv" : "cas-register";
  }

  private @Nullable Object parseInitial() {
    if (initial.equals("nil")) {
      return null;
    }
    try {
      return Long.parseLong(initial);
    } catch (NumberFormatException e) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--initial must be nil or an integer: " + initial);
    }
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
