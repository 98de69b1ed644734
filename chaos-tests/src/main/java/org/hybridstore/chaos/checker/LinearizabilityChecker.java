package org.hybridstore.chaos.checker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.hybridstore.chaos.checker.WglSearch.SearchOp;
import org.hybridstore.chaos.checker.model.Call;
import org.hybridstore.chaos.checker.model.Model;
import org.hybridstore.chaos.checker.model.RegisterLike;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Operation;
import org.jspecify.annotations.Nullable;

/**
 * Checks that a history is linearizable with respect to a {@link Model}, with the Wing-Gong-Lowe
 * search and memoisation of (linearized set, state), as in Lowe's paper and Porcupine.
 *
 * <p>Semantics (the defaults, which reproduce Knossos' and Porcupine's verdicts):
 *
 * <ul>
 *   <li>An operation with an unknown outcome ({@code :info}, or no completion) stays open to the
 *       end of the history: it may take effect at any point after its invocation, or never.
 *   <li>A failed operation ({@code :fail}) did not happen and is dropped, as Knossos does.
 *   <li>Real-time order is history order; nemesis events are ignored.
 *   <li>When every call has a {@link Model#partitionKey}, the history is split by key and each key
 *       is checked on its own (P-compositionality), unless {@link Options#splitByKey} is off.
 *   <li>A history without any operation that completed ({@code :ok} or {@code :fail}) is UNKNOWN:
 *       there is nothing to judge. A history of failed operations only is judged (they definitely
 *       did not happen), which is how Knossos finds some of its files valid.
 * </ul>
 *
 * <p>How a check runs: for a {@link RegisterLike} model, a cheap {@linkplain PrePass pre-pass}
 * first looks in every partition for a read of an overwritten or never-written value, which proves
 * the history INVALID at once. Otherwise the partitions are searched in order of size, smallest
 * first, taking turns in slices that grow from short to long, on up to {@link
 * Runtime#availableProcessors()} threads (the caller's included; small histories stay on the
 * caller's thread). The first INVALID partition found stops the others. The verdict does not depend
 * on scheduling (INVALID if any partition is, else UNKNOWN if any is, else VALID), except where the
 * time limit cuts a search short; with one thread, or one invalid partition, neither does the
 * counterexample. The {@link UnknownOutcomes} and {@link FailedOps} alternatives exist to
 * demonstrate why those defaults are needed; they give wrong verdicts on real histories.
 *
 * <p>When the {@link Budget} runs out the verdict is UNKNOWN, never VALID. Instances are immutable
 * and threadsafe; each check runs its own search.
 *
 * @param <S> the model's state type
 */
public final class LinearizabilityChecker<S> implements Checker {

  /** How operations with an unknown outcome are treated. */
  public enum UnknownOutcomes {
    /** Correct: open until the end of the history; may take effect later, or never. */
    OPEN,
    /**
     * Wrong (for demonstration): the operation must take effect, or be a no-op, before its {@code
     * :info} completion. Operations that never completed stay open.
     */
    CLOSE_AT_COMPLETION,
    /** Wrong (for demonstration): operations with unknown outcome are dropped. */
    DROP
  }

  /** How failed operations are treated. */
  public enum FailedOps {
    /** Knossos: a failed operation did not happen; drop it. */
    DROP,
    /**
     * Porcupine's etcd model: keep a failed operation as an observation made within its interval (a
     * failed cas saw a different value). Wrong for the Knossos histories.
     */
    KEEP_AS_OBSERVATION
  }

  /**
   * Options of a check.
   *
   * @param unknownOutcomes treatment of unknown outcomes
   * @param failedOps treatment of failed operations
   * @param splitByKey whether to check keyed histories one key at a time
   * @param budget the time and memory budget
   * @param prePass whether to run the {@linkplain PrePass pre-pass} before the search
   * @param parallelism the most partitions searched at once; 0 means {@link
   *     Runtime#availableProcessors()}
   */
  public record Options(
      UnknownOutcomes unknownOutcomes,
      FailedOps failedOps,
      boolean splitByKey,
      Budget budget,
      boolean prePass,
      int parallelism) {

    /**
     * Validates the options.
     *
     * @throws NullPointerException if a field is null
     * @throws IllegalArgumentException if parallelism is negative
     */
    public Options {
      Objects.requireNonNull(unknownOutcomes, "unknownOutcomes");
      Objects.requireNonNull(failedOps, "failedOps");
      Objects.requireNonNull(budget, "budget");
      if (parallelism < 0) {
        throw new IllegalArgumentException("parallelism must not be negative: " + parallelism);
      }
    }

    /**
     * Creates options with the pre-pass on and one thread per core.
     *
     * @param unknownOutcomes treatment of unknown outcomes
     * @param failedOps treatment of failed operations
     * @param splitByKey whether to check keyed histories one key at a time
     * @param budget the time and memory budget
     */
    public Options(
        UnknownOutcomes unknownOutcomes, FailedOps failedOps, boolean splitByKey, Budget budget) {
      this(unknownOutcomes, failedOps, splitByKey, budget, true, 0);
    }

    /**
     * Returns the correct semantics with the default budget.
     *
     * @return open unknown outcomes, dropped failures, split by key, {@link Budget#defaults()},
     *     pre-pass on, one thread per core
     */
    public static Options defaults() {
      return new Options(UnknownOutcomes.OPEN, FailedOps.DROP, true, Budget.defaults());
    }

    /**
     * Returns a copy with another budget.
     *
     * @param b the budget
     * @return the copy
     */
    public Options withBudget(Budget b) {
      return new Options(unknownOutcomes, failedOps, splitByKey, b, prePass, parallelism);
    }

    /**
     * Returns a copy with another treatment of unknown outcomes.
     *
     * @param u the treatment
     * @return the copy
     */
    public Options withUnknownOutcomes(UnknownOutcomes u) {
      return new Options(u, failedOps, splitByKey, budget, prePass, parallelism);
    }

    /**
     * Returns a copy with another treatment of failed operations.
     *
     * @param f the treatment
     * @return the copy
     */
    public Options withFailedOps(FailedOps f) {
      return new Options(unknownOutcomes, f, splitByKey, budget, prePass, parallelism);
    }

    /**
     * Returns a copy with splitting by key on or off.
     *
     * @param split whether to split
     * @return the copy
     */
    public Options withSplitByKey(boolean split) {
      return new Options(unknownOutcomes, failedOps, split, budget, prePass, parallelism);
    }

    /**
     * Returns a copy with the pre-pass on or off (off: every verdict comes from the search).
     *
     * @param on whether to run the pre-pass
     * @return the copy
     */
    public Options withPrePass(boolean on) {
      return new Options(unknownOutcomes, failedOps, splitByKey, budget, on, parallelism);
    }

    /**
     * Returns a copy with another bound on the partitions searched at once.
     *
     * @param threads at least 1, or 0 for one per core
     * @return the copy
     */
    public Options withParallelism(int threads) {
      return new Options(unknownOutcomes, failedOps, splitByKey, budget, prePass, threads);
    }
  }

  private static final int MAX_CONCURRENT = 12;

  /**
   * Search steps of a partition's first turn; each later turn of the same partition doubles it, up
   * to {@link #LONGEST_SLICE}. Short first turns decide the easy partitions (an invalid key is
   * often found in a few hundred steps) before a hard one has run long; doubling keeps the number
   * of hand-overs of a long search logarithmic.
   */
  private static final long FIRST_SLICE = 1 << 9;

  /** The most search steps a partition takes before the next one gets a turn. */
  private static final long LONGEST_SLICE = 1 << 15;

  /** Histories with fewer operations are searched on the calling thread alone. */
  private static final int PARALLEL_THRESHOLD = 500;

  /** Rough memory of one memoised configuration's state and slot, as in {@link Budget#ofTime}. */
  private static final long BYTES_PER_CONFIGURATION = 200;

  /**
   * Memory of one memoised configuration of a partition: besides its state and slot it holds a
   * bitset of the partition's operations, which for a key of a half-hour run (some 15,000
   * operations) is two kilobytes, not the budget's 200 bytes; the old bound let one search take
   * some 20 GB (docs/checker.md, "Budgets").
   */
  static long bytesPerConfiguration(int operations) {
    return BYTES_PER_CONFIGURATION + 16 + 8L * ((operations + 63) / 64);
  }

  /** The budget's cache bound, lowered so that one search's cache fits in a third of the heap. */
  long cacheBound(int operations) {
    long byHeap = Runtime.getRuntime().maxMemory() / 3 / bytesPerConfiguration(operations);
    return Math.min(options.budget().maxCacheEntries(), Math.max(1_000, byHeap));
  }

  /**
   * Helper threads shared by all checks, at most one per core; idle ones exit after a while. The
   * calling thread always works too, so a check never waits for a busy pool.
   */
  private static final ExecutorService HELPERS = helpers();

  private final Model<S> model;
  private final Options options;

  /**
   * Creates a checker with the default options.
   *
   * @param model the model
   */
  public LinearizabilityChecker(Model<S> model) {
    this(model, Options.defaults());
  }

  /**
   * Creates a checker.
   *
   * @param model the model
   * @param options the options
   */
  public LinearizabilityChecker(Model<S> model, Options options) {
    this.model = Objects.requireNonNull(model, "model");
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * Creates a checker for a model of unknown state type (as returned by {@link
   * org.hybridstore.chaos.checker.model.Models#byName}).
   *
   * @param model the model
   * @param options the options
   * @param <T> the state type
   * @return the checker
   */
  public static <T> LinearizabilityChecker<T> of(Model<T> model, Options options) {
    return new LinearizabilityChecker<>(model, options);
  }

  /** One partition to check. */
  private record Part(Object key, List<Integer> members, List<SearchOp> ops, Model<?> model) {}

  /** What the check of one partition found. */
  private record PartResult(
      Validity validity,
      @Nullable String unknownReason,
      long cacheEntries,
      @Nullable Counterexample counterexample,
      @Nullable RuntimeException error) {}

  /**
   * Checks the history and returns the verdict with statistics and a counterexample.
   *
   * @param history the history
   * @return the result
   * @throws IllegalArgumentException if the model does not support an operation in the history
   */
  public LinearizabilityResult analyze(History history) {
    long start = System.nanoTime();
    long deadline = start + options.budget().timeLimit().toNanos();
    List<Operation> operations = new ArrayList<>();
    List<Call> calls = new ArrayList<>();
    List<Boolean> mayBeNoOp = new ArrayList<>();
    int clientOps = 0;
    int completed = 0;
    for (Operation op : history.operations()) {
      clientOps++;
      if (op.isOk() || op.isFailed()) {
        completed++;
      }
      Call call = toCall(op);
      if (call != null) {
        operations.add(op);
        calls.add(call);
        mayBeNoOp.add(op.isUnknown() && !isOpen(op));
      }
    }
    if (completed == 0) {
      // Nothing was observed: an empty history, or one whose operations all have unknown
      // outcomes, is trivially linearizable, which says nothing about the system. A failed
      // operation is an observation (it definitely did not happen), so a history of failures
      // is judged, as Knossos does.
      String reason =
          clientOps == 0
              ? "no operation to check"
              : "no completed operation to check (" + clientOps + " with unknown outcome)";
      return new LinearizabilityResult(
          Validity.UNKNOWN,
          model.name(),
          operations.size(),
          0,
          0,
          System.nanoTime() - start,
          null,
          reason);
    }
    Map<Object, List<Integer>> partitions = partition(calls);
    List<Part> parts = new ArrayList<>(partitions.size());
    for (Map.Entry<Object, List<Integer>> part : partitions.entrySet()) {
      Model<?> partModel = part.getKey() == null ? model : model.forPartition(part.getKey());
      List<Integer> members = withoutUnreadUnknownWrites(partModel, part.getValue(), calls);
      List<SearchOp> searchOps = new ArrayList<>(members.size());
      for (int i = 0; i < members.size(); i++) {
        int m = members.get(i);
        Operation op = operations.get(m);
        boolean open = isOpen(op);
        searchOps.add(
            new SearchOp(
                i,
                calls.get(m),
                op.invocation().index(),
                open ? Long.MAX_VALUE : op.completion().index(),
                open,
                mayBeNoOp.get(m)));
      }
      parts.add(new Part(part.getKey(), members, searchOps, partModel));
    }
    // Cheap partitions first; the sort is stable, so ties keep the order of first appearance.
    parts.sort(Comparator.comparingInt(p -> p.ops().size()));

    PartResult[] results = searchAll(parts, operations, deadline);
    long cacheEntries = 0;
    for (PartResult r : results) {
      cacheEntries += r == null ? 0 : r.cacheEntries();
    }
    // The verdict does not depend on scheduling: INVALID when any partition is (the search
    // stops at the first one found; the lowest in search order is reported), else UNKNOWN when
    // any is, else VALID. An error (a call the model rejects) is thrown, as without threads.
    for (PartResult r : results) {
      if (r.error() != null) {
        throw r.error();
      }
    }
    for (PartResult r : results) {
      if (r.validity() == Validity.INVALID) {
        return new LinearizabilityResult(
            Validity.INVALID,
            model.name(),
            operations.size(),
            parts.size(),
            cacheEntries,
            System.nanoTime() - start,
            r.counterexample(),
            null);
      }
    }
    Validity verdict = Validity.VALID;
    String unknownReason = null;
    for (int i = 0; i < results.length; i++) {
      PartResult r = results[i];
      if (r.validity() == Validity.UNKNOWN) {
        verdict = Validity.UNKNOWN;
        Object key = parts.get(i).key();
        unknownReason = r.unknownReason() + (key == null ? "" : " (key " + key + ")");
        break;
      }
    }
    return new LinearizabilityResult(
        verdict,
        model.name(),
        operations.size(),
        parts.size(),
        cacheEntries,
        System.nanoTime() - start,
        null,
        unknownReason);
  }

  /**
   * Searches every partition on up to {@link #threads} threads, and stops all of them at the first
   * INVALID one found. The searches take turns in slices that grow from {@link #FIRST_SLICE} to
   * {@link #LONGEST_SLICE} steps, starting in list order (cheapest first): a partition that is
   * quick to decide, valid or not, is decided after a few slices even behind a hard one, as
   * Porcupine's one goroutine per partition does. Slot i holds partition i's result, or a
   * placeholder when it was skipped after the stop.
   */
  private PartResult[] searchAll(List<Part> parts, List<Operation> operations, long deadline) {
    int n = parts.size();
    PartResult[] results = new PartResult[n];
    ConcurrentLinkedDeque<Turn> queue = new ConcurrentLinkedDeque<>();
    for (int i = 0; i < n; i++) {
      queue.addLast(new Turn(i));
    }
    AtomicReference<String> stop = new AtomicReference<>();
    BooleanSupplier cancelled = () -> stop.get() != null;
    // Paused searches keep their caches: bound what they hold together, as the budget bounds one.
    long allowance = Runtime.getRuntime().maxMemory() * 2 / 3; // bytes, as held counts them
    AtomicLong held = new AtomicLong();
    CountDownLatch done = new CountDownLatch(n);
    Runnable worker =
        () -> {
          for (Turn t = queue.pollFirst(); t != null; t = queue.pollFirst()) {
            boolean finished = true;
            try {
              if (stop.get() != null) {
                if (t.search != null) {
                  // Stopped mid-search: keep what it memoised in the statistics.
                  results[t.position] =
                      new PartResult(
                          Validity.UNKNOWN, stop.get(), t.search.cacheSize(), null, null);
                }
                continue;
              }
              if (!t.prePassed) {
                // Every partition's pre-pass comes before any search slice: the queue is
                // first-in first-out and a partition goes to the back after its pre-pass.
                t.prePassed = true;
                PartResult proof = prePass(parts.get(t.position), operations);
                if (proof != null) {
                  results[t.position] = proof;
                  stop.compareAndSet(null, WglSearch.CANCELLED);
                } else {
                  finished = false;
                }
                continue;
              }
              if (t.search == null && System.nanoTime() - deadline > 0) {
                results[t.position] =
                    new PartResult(Validity.UNKNOWN, "time limit exceeded", 0, null, null);
                continue;
              }
              if (t.search == null && held.get() > allowance && !queue.isEmpty()) {
                finished = false; // wait for the searches already holding memory
                continue;
              }
              PartResult r = t.slice(parts.get(t.position), operations, deadline, cancelled, held);
              if (r == null) {
                finished = false;
                continue;
              }
              results[t.position] = r;
              if (r.validity() == Validity.INVALID) {
                stop.compareAndSet(null, WglSearch.CANCELLED);
              }
            } catch (RuntimeException e) {
              results[t.position] = new PartResult(Validity.UNKNOWN, "error", 0, null, e);
              stop.compareAndSet(null, WglSearch.CANCELLED);
            } catch (Error e) {
              // OutOfMemoryError and the like (possibly on a helper thread): UNKNOWN, never VALID.
              results[t.position] =
                  new PartResult(Validity.UNKNOWN, String.valueOf(e), 0, null, null);
              stop.compareAndSet(null, "stopped after " + e + " in another partition");
            } finally {
              if (finished) {
                t.release(held);
                done.countDown();
              } else {
                queue.addLast(t);
              }
            }
          }
        };
    int helpers = Math.min(threads(operations.size()), n) - 1;
    for (int h = 0; h < helpers; h++) {
      HELPERS.execute(worker);
    }
    worker.run();
    try {
      done.await();
    } catch (InterruptedException e) {
      stop.compareAndSet(null, "interrupted");
      Thread.currentThread().interrupt();
      awaitUninterruptibly(done);
    }
    for (int i = 0; i < n; i++) {
      if (results[i] == null) {
        results[i] = new PartResult(Validity.UNKNOWN, stop.get(), 0, null, null);
      }
    }
    return results;
  }

  /**
   * Leaves out of a partition the writes with an unknown outcome whose value no read returned, when
   * the partition only reads and overwrites whole values (no cas, no append, no failed operation
   * kept as an observation). Such a write may never have taken effect, so any linearization without
   * it is one of the history; and any linearization with it stays one when it is taken out, since
   * no read returned its value and the next write replaces it. So the verdict is the same, but each
   * such write would double the configurations the search may have to visit: a chaos run turns
   * every provisional acknowledgement into an unknown outcome, and a key of a half-hour run held
   * 266 of them, 259 never read, which took the search past four million configurations.
   */
  private static List<Integer> withoutUnreadUnknownWrites(
      Model<?> partModel, List<Integer> members, List<Call> calls) {
    if (!(partModel instanceof RegisterLike view)) {
      return members;
    }
    Set<@Nullable Object> read = new HashSet<>();
    boolean anyUnknown = false;
    for (int m : members) {
      Call call = calls.get(m);
      RegisterLike.Access a = view.access(call);
      if (a == null
          || call.outcome() == Call.Outcome.FAILED
          || a.effect() == RegisterLike.Effect.CAS
          || a.effect() == RegisterLike.Effect.APPEND) {
        return members;
      }
      if (a.effect() == RegisterLike.Effect.READ) {
        read.add(a.observed());
      }
      anyUnknown |= call.outcome() == Call.Outcome.UNKNOWN;
    }
    if (!anyUnknown) {
      return members;
    }
    List<Integer> kept = new ArrayList<>(members.size());
    for (int m : members) {
      Call call = calls.get(m);
      RegisterLike.Access a = Objects.requireNonNull(view.access(call));
      boolean unread =
          call.outcome() == Call.Outcome.UNKNOWN
              && a.effect() == RegisterLike.Effect.WRITE
              && !read.contains(a.value());
      if (!unread) {
        kept.add(m);
      }
    }
    return kept;
  }

  /** Runs the pre-pass on a partition; returns an INVALID result with the proof, or null. */
  private @Nullable PartResult prePass(Part p, List<Operation> operations) {
    if (!options.prePass() || !(p.model() instanceof RegisterLike view)) {
      return null;
    }
    PrePass.Proof proof = PrePass.find(view, p.ops());
    return proof == null
        ? null
        : new PartResult(Validity.INVALID, null, 0, counterexample(p, proof, operations), null);
  }

  /**
   * One partition's search, taken up in turns; touched by one thread at a time (the queue hands it
   * over).
   */
  private final class Turn {
    final int position;
    boolean prePassed;
    @Nullable WglSearch<?> search;
    long counted; // bytes of its cache counted in held
    long slice = FIRST_SLICE; // steps of its next turn

    Turn(int position) {
      this.position = position;
    }

    /** Runs one slice; returns the result when the search finished, else null. */
    @Nullable PartResult slice(
        Part p,
        List<Operation> operations,
        long deadline,
        BooleanSupplier cancelled,
        AtomicLong held) {
      return sliceOf(p, p.model(), operations, deadline, cancelled, held);
    }

    @SuppressWarnings("unchecked")
    private <T> @Nullable PartResult sliceOf(
        Part p,
        Model<T> m,
        List<Operation> operations,
        long deadline,
        BooleanSupplier cancelled,
        AtomicLong held) {
      if (search == null) {
        search = new WglSearch<>(m, p.ops(), deadline, cacheBound(p.ops().size()), cancelled);
      }
      WglSearch<T> s = (WglSearch<T>) search;
      WglSearch.Outcome<T> outcome = s.resume(slice);
      slice = Math.min(slice * 2, LONGEST_SLICE);
      long bytes = s.cacheSize() * bytesPerConfiguration(p.ops().size());
      held.addAndGet(bytes - counted);
      counted = bytes;
      if (outcome == null) {
        return null;
      }
      Counterexample ce =
          outcome.validity() == Validity.INVALID
              ? counterexample(p, m, outcome.failure(), operations)
              : null;
      return new PartResult(
          outcome.validity(), outcome.unknownReason(), outcome.cacheEntries(), ce, null);
    }

    void release(AtomicLong held) {
      held.addAndGet(-counted);
      counted = 0;
      search = null;
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * How many partitions to search at once: one per core (or the option), and no more than the
   * memory budget allows, since each search may fill its own cache up to the bound. Small histories
   * stay on the calling thread, where handing work over would cost more than it saves.
   */
  private int threads(int operations) {
    if (operations < PARALLEL_THRESHOLD) {
      return 1;
    }
    int cores =
        options.parallelism() > 0
            ? options.parallelism()
            : Runtime.getRuntime().availableProcessors();
    long perSearch = options.budget().maxCacheEntries() * BYTES_PER_CONFIGURATION;
    long byMemory = Math.max(1, Runtime.getRuntime().maxMemory() * 2 / 3 / Math.max(1, perSearch));
    return (int) Math.max(1, Math.min(cores, byMemory));
  }

  private static ExecutorService helpers() {
    int cores = Runtime.getRuntime().availableProcessors();
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            cores,
            cores,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "linearizability-checker-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * Checks the history; the details hold the model, counts, time and, for an invalid history, the
   * rendered counterexample.
   *
   * @param history the history
   * @return the verdict
   * @throws IllegalArgumentException if the model does not support an operation in the history
   */
  @Override
  public CheckResult check(History history) {
    LinearizabilityResult r = analyze(history);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("model", r.model());
    details.put("operations", r.operations());
    details.put("partitions", r.partitions());
    details.put("cache-entries", r.cacheEntries());
    details.put("millis", r.elapsedNanos() / 1_000_000);
    if (r.counterexample() != null) {
      details.put("counterexample", r.counterexample().render());
      details.put("proven-by", r.counterexample().proof() != null ? "pre-pass" : "search");
    }
    if (r.unknownReason() != null) {
      details.put("unknown-reason", r.unknownReason());
    }
    return CheckResult.of(r.validity(), details);
  }

  /** Returns the model's view of an operation, or null when the operation is left out. */
  private @Nullable Call toCall(Operation op) {
    String f = op.invocation().f();
    Object input = op.invocation().value();
    if (op.isOk()) {
      return new Call(f, input, op.completion().value(), Call.Outcome.OK);
    }
    if (op.isFailed()) {
      return options.failedOps() == FailedOps.DROP
          ? null
          : new Call(f, input, op.completion().value(), Call.Outcome.FAILED);
    }
    Call call = new Call(f, input, null, Call.Outcome.UNKNOWN);
    if (options.unknownOutcomes() == UnknownOutcomes.DROP) {
      return null;
    }
    // An unknown-outcome call that cannot change the state constrains nothing.
    return model.canChangeState(call) ? call : null;
  }

  private boolean isOpen(Operation op) {
    return op.completion() == null
        || (op.isUnknown() && options.unknownOutcomes() == UnknownOutcomes.OPEN);
  }

  private Map<Object, List<Integer>> partition(List<Call> calls) {
    Map<Object, List<Integer>> parts = new LinkedHashMap<>();
    if (options.splitByKey()) {
      for (int i = 0; i < calls.size(); i++) {
        Object key = model.partitionKey(calls.get(i));
        if (key == null) {
          parts.clear();
          break;
        }
        parts.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
      }
    }
    if (parts.isEmpty()) {
      List<Integer> all = new ArrayList<>(calls.size());
      for (int i = 0; i < calls.size(); i++) {
        all.add(i);
      }
      parts.put(null, all);
    }
    return parts;
  }

  private Counterexample counterexample(Part p, PrePass.Proof proof, List<Operation> operations) {
    Operation bad = operations.get(p.members().get(proof.observer().id()));
    List<Operation> concurrent = new ArrayList<>();
    int total = concurrent(bad, p.members(), operations, concurrent);
    List<Operation> witnesses =
        proof.overwriter() == null
            ? List.of()
            : List.of(operations.get(p.members().get(proof.overwriter().id())));
    return new Counterexample(
        p.key(), bad, List.of(), concurrent, total, List.of(), 0, proof.explanation(), witnesses);
  }

  private <T> Counterexample counterexample(
      Part p, Model<T> m, WglSearch.Failure<T> failure, List<Operation> operations) {
    List<Integer> members = p.members();
    Operation bad = operations.get(members.get(failure.op().id()));
    List<Operation> concurrent = new ArrayList<>();
    int total = concurrent(bad, members, operations, concurrent);
    List<String> states = new ArrayList<>();
    for (T s : failure.states()) {
      states.add(m.describe(s));
    }
    List<String> tail = new ArrayList<>();
    for (int i = 0; i < failure.prefixTail().size(); i++) {
      Operation o = operations.get(members.get(failure.prefixTail().get(i).id()));
      tail.add(o + "  => " + m.describe(failure.prefixTailStates().get(i)));
    }
    return new Counterexample(
        p.key(), bad, states, concurrent, total, tail, failure.prefixLength());
  }

  /** Adds up to MAX_CONCURRENT operations overlapping bad to out; returns how many overlap. */
  @SuppressWarnings("ReferenceEquality") // the operation itself, not an equal one
  private int concurrent(
      Operation bad, List<Integer> members, List<Operation> operations, List<Operation> out) {
    long from = bad.invocation().index();
    long to = bad.completion() == null ? Long.MAX_VALUE : bad.completion().index();
    int total = 0;
    for (int m : members) {
      Operation o = operations.get(m);
      if (o == bad) {
        continue;
      }
      long oFrom = o.invocation().index();
      long oTo = o.completion() == null || isOpen(o) ? Long.MAX_VALUE : o.completion().index();
      if (oFrom < to && oTo > from) {
        total++;
        if (out.size() < MAX_CONCURRENT) {
          out.add(o);
        }
      }
    }
    return total;
  }
}
