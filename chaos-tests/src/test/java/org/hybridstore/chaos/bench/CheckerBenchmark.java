package org.hybridstore.chaos.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.hybridstore.chaos.checker.Budget;
import org.hybridstore.chaos.checker.LinearizabilityChecker;
import org.hybridstore.chaos.checker.LinearizabilityChecker.Options;
import org.hybridstore.chaos.checker.LinearizabilityResult;
import org.hybridstore.chaos.checker.ReferenceHistories;
import org.hybridstore.chaos.checker.model.CasRegisterModel;
import org.hybridstore.chaos.checker.model.KvModel;
import org.hybridstore.chaos.checker.model.Model;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.HistoryReaders;

/**
 * Times the linearizability checker on every etcd log and kv history of the reference set.
 *
 * <p>Files are parsed once (parsing is not timed); the whole set is checked once to warm up the
 * JIT, then {@code ROUNDS} more times, and each file's median is reported. Run it from the
 * repository root after {@code mvn -o -q -pl chaos-tests test-compile}:
 * <pre>
 * java -cp chaos-tests/target/test-classes:chaos-tests/target/classes:$(cat /tmp/cp.txt) \
 *     org.hybridstore.chaos.bench.CheckerBenchmark [rounds]
 * </pre>
 */
public final class CheckerBenchmark {

    private record Timed(String name, String verdict, int ops, double[] millis) {
        double median() {
            double[] s = millis.clone();
            Arrays.sort(s);
            return s[s.length / 2];
        }
    }

    private CheckerBenchmark() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args optional number of timed rounds (default 5)
     * @throws IOException if a history cannot be read
     */
    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path base = ReferenceHistories.base();
        Options options = Options.defaults().withBudget(Budget.ofTime(Duration.ofSeconds(60)));
        System.out.printf("java %s, %d cores, max heap %d MB, %d timed rounds after 1 warm-up%n%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, rounds);

        List<Timed> etcd = run(files(base.resolve("etcd-jepsen")), CasRegisterModel.emptyStrict(), options, rounds);
        report("etcd logs (cas-register, empty register, strict nil reads)", etcd);

        List<Path> kvFiles = files(base.resolve("kv"));
        report("kv histories, split by key", run(kvFiles, new KvModel(), options, rounds));
        report("kv histories, whole history", run(kvFiles, new KvModel(), options.withSplitByKey(false), rounds));
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static <S> List<Timed> run(List<Path> files, Model<S> model, Options options, int rounds)
            throws IOException {
        List<History> histories = new ArrayList<>();
        for (Path f : files) {
            histories.add(HistoryReaders.read(f));
        }
        LinearizabilityChecker<S> checker = new LinearizabilityChecker<>(model, options);
        List<Timed> out = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            out.add(new Timed(files.get(i).getFileName().toString(), "", 0, new double[rounds]));
        }
        for (int round = -1; round < rounds; round++) {
            for (int i = 0; i < histories.size(); i++) {
                long start = System.nanoTime();
                LinearizabilityResult r = checker.analyze(histories.get(i));
                double ms = (System.nanoTime() - start) / 1e6;
                if (round >= 0) {
                    Timed t = out.get(i);
                    t.millis()[round] = ms;
                    out.set(i, new Timed(t.name(), r.validity().label(), r.operations(), t.millis()));
                }
            }
        }
        return out;
    }

    private static void report(String title, List<Timed> rows) {
        System.out.println("## " + title);
        System.out.printf("%-16s %-8s %6s %12s%n", "file", "verdict", "ops", "median ms");
        for (Timed t : rows) {
            System.out.printf("%-16s %-8s %6d %12.3f%n", t.name(), t.verdict(), t.ops(), t.median());
        }
        double[] medians = rows.stream().mapToDouble(Timed::median).sorted().toArray();
        double total = Arrays.stream(medians).sum();
        System.out.printf("files %d, total %.1f ms, median %.3f ms, p95 %.3f ms, max %.3f ms, under 35 ms: %d%n",
                medians.length, total, medians[medians.length / 2],
                medians[(int) Math.ceil(0.95 * medians.length) - 1], medians[medians.length - 1],
                Arrays.stream(medians).filter(m -> m < 35).count());
        System.out.print("slowest:");
        rows.stream().sorted(Comparator.comparingDouble(Timed::median).reversed()).limit(5)
                .forEach(t -> System.out.printf(" %s %.1f ms;", t.name(), t.median()));
        System.out.println();
        System.out.println();
    }
}
