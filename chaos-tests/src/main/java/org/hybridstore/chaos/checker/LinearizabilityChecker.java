package org.hybridstore.chaos.checker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hybridstore.chaos.checker.model.Call;
import org.hybridstore.chaos.checker.model.Model;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Operation;

/**
 * Checks that a history is linearizable with respect to a {@link Model}, with the
 * Wing-Gong-Lowe search and memoisation of (linearized set, state), as in Lowe's paper and
 * Porcupine.
 *
 * <p>Semantics (the defaults, which reproduce Knossos' and Porcupine's verdicts):
 * <ul>
 *   <li>An operation with an unknown outcome ({@code :info}, or no completion) stays open to the
 *       end of the history: it may take effect at any point after its invocation, or never.</li>
 *   <li>A failed operation ({@code :fail}) did not happen and is dropped, as Knossos does.</li>
 *   <li>Real-time order is history order; nemesis events are ignored.</li>
 *   <li>When every call has a {@link Model#partitionKey}, the history is split by key and each
 *       key is checked on its own (P-compositionality), unless {@link Options#splitByKey} is
 *       off.</li>
 * </ul>
 * The {@link UnknownOutcomes} and {@link FailedOps} alternatives exist to demonstrate why those
 * defaults are needed; they give wrong verdicts on real histories.
 *
 * <p>When the {@link Budget} runs out the verdict is UNKNOWN, never VALID. Instances are
 * immutable and threadsafe; each check runs its own search.
 *
 * @param <S> the model's state type
 */
public final class LinearizabilityChecker<S> implements Checker {

    /** How operations with an unknown outcome are treated. */
    public enum UnknownOutcomes {
        /** Correct: open until the end of the history; may take effect later, or never. */
        OPEN,
        /**
         * Wrong (for demonstration): the operation must take effect, or be a no-op, before its
         * {@code :info} completion. Operations that never completed stay open.
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
         * Porcupine's etcd model: keep a failed operation as an observation made within its
         * interval (a failed cas saw a different value). Wrong for the Knossos histories.
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
     */
    public record Options(UnknownOutcomes unknownOutcomes, FailedOps failedOps, boolean splitByKey,
                          Budget budget) {

        /**
         * Validates the options.
         *
         * @throws NullPointerException if a field is null
         */
        public Options {
            Objects.requireNonNull(unknownOutcomes, "unknownOutcomes");
            Objects.requireNonNull(failedOps, "failedOps");
            Objects.requireNonNull(budget, "budget");
        }

        /**
         * Returns the correct semantics with the default budget.
         *
         * @return open unknown outcomes, dropped failures, split by key, {@link Budget#defaults()}
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
            return new Options(unknownOutcomes, failedOps, splitByKey, b);
        }

        /**
         * Returns a copy with another treatment of unknown outcomes.
         *
         * @param u the treatment
         * @return the copy
         */
        public Options withUnknownOutcomes(UnknownOutcomes u) {
            return new Options(u, failedOps, splitByKey, budget);
        }

        /**
         * Returns a copy with another treatment of failed operations.
         *
         * @param f the treatment
         * @return the copy
         */
        public Options withFailedOps(FailedOps f) {
            return new Options(unknownOutcomes, f, splitByKey, budget);
        }

        /**
         * Returns a copy with splitting by key on or off.
         *
         * @param split whether to split
         * @return the copy
         */
        public Options withSplitByKey(boolean split) {
            return new Options(unknownOutcomes, failedOps, split, budget);
        }
    }

    private static final int MAX_CONCURRENT = 12;

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
     * Creates a checker for a model of unknown state type (as returned by
     * {@link org.hybridstore.chaos.checker.model.Models#byName}).
     *
     * @param model the model
     * @param options the options
     * @param <T> the state type
     * @return the checker
     */
    public static <T> LinearizabilityChecker<T> of(Model<T> model, Options options) {
        return new LinearizabilityChecker<>(model, options);
    }

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
        for (Operation op : history.operations()) {
            Call call = toCall(op);
            if (call != null) {
                operations.add(op);
                calls.add(call);
                mayBeNoOp.add(op.isUnknown() && !isOpen(op));
            }
        }
        Map<Object, List<Integer>> partitions = partition(calls);
        long cacheEntries = 0;
        Validity verdict = Validity.VALID;
        String unknownReason = null;
        for (Map.Entry<Object, List<Integer>> part : partitions.entrySet()) {
            List<Integer> members = part.getValue();
            List<WglSearch.SearchOp> searchOps = new ArrayList<>(members.size());
            for (int i = 0; i < members.size(); i++) {
                int m = members.get(i);
                Operation op = operations.get(m);
                boolean open = isOpen(op);
                searchOps.add(new WglSearch.SearchOp(i, calls.get(m), op.invocation().index(),
                        open ? Long.MAX_VALUE : op.completion().index(), open, mayBeNoOp.get(m)));
            }
            WglSearch.Outcome<S> outcome =
                    new WglSearch<>(model, searchOps, deadline, options.budget().maxCacheEntries()).run();
            cacheEntries += outcome.cacheEntries();
            if (outcome.validity() == Validity.INVALID) {
                Counterexample ce = counterexample(part.getKey(), outcome.failure(), members, operations);
                return new LinearizabilityResult(Validity.INVALID, model.name(), operations.size(),
                        partitions.size(), cacheEntries, System.nanoTime() - start, ce, null);
            }
            if (outcome.validity() == Validity.UNKNOWN) {
                verdict = Validity.UNKNOWN;
                unknownReason = outcome.unknownReason()
                        + (part.getKey() == null ? "" : " (key " + part.getKey() + ")");
                if (System.nanoTime() - deadline > 0) {
                    break;
                }
            }
        }
        return new LinearizabilityResult(verdict, model.name(), operations.size(), partitions.size(),
                cacheEntries, System.nanoTime() - start, null, unknownReason);
    }

    /**
     * Checks the history; the details hold the model, counts, time and, for an invalid history,
     * the rendered counterexample.
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
        }
        if (r.unknownReason() != null) {
            details.put("unknown-reason", r.unknownReason());
        }
        return CheckResult.of(r.validity(), details);
    }

    /** Returns the model's view of an operation, or null when the operation is left out. */
    private Call toCall(Operation op) {
        String f = op.invocation().f();
        Object input = op.invocation().value();
        if (op.isOk()) {
            return new Call(f, input, op.completion().value(), Call.Outcome.OK);
        }
        if (op.isFailed()) {
            return options.failedOps() == FailedOps.DROP ? null
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

    private Counterexample counterexample(Object key, WglSearch.Failure<S> failure, List<Integer> members,
                                          List<Operation> operations) {
        Operation bad = operations.get(members.get(failure.op().id()));
        long from = bad.invocation().index();
        long to = bad.completion() == null ? Long.MAX_VALUE : bad.completion().index();
        List<Operation> concurrent = new ArrayList<>();
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
                if (concurrent.size() < MAX_CONCURRENT) {
                    concurrent.add(o);
                }
            }
        }
        List<String> states = new ArrayList<>();
        for (S s : failure.states()) {
            states.add(model.describe(s));
        }
        List<String> tail = new ArrayList<>();
        for (int i = 0; i < failure.prefixTail().size(); i++) {
            Operation o = operations.get(members.get(failure.prefixTail().get(i).id()));
            tail.add(o + "  => " + model.describe(failure.prefixTailStates().get(i)));
        }
        return new Counterexample(key, bad, states, concurrent, total, tail, failure.prefixLength());
    }
}
