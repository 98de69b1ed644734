package org.hybridstore.chaos.checker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Operation;

/**
 * No acknowledged write is lost, in the manner of Jepsen's {@code set-full} checker.
 *
 * <p>Op shapes: an add is {@code {:f "add", :value element}}; a read is {@code {:f "read"}}
 * completing OK with a collection of elements as its value. Only OK reads count. For each
 * element whose add was acknowledged (OK), the checker looks at the reads that began after the
 * acknowledgement:
 * <ul>
 *   <li><b>lost</b>: the last of them lacks the element;</li>
 *   <li><b>stable</b>: the last of them has it; it became stable at the first read of the final
 *       run of reads that all have it, and its stable latency is the time from the add's
 *       invocation to that read's invocation;</li>
 *   <li><b>stale</b>: stable, but some read after the acknowledgement lacked it first;</li>
 *   <li><b>never read</b>: no read began after the acknowledgement.</li>
 * </ul>
 * Elements read but never added are <b>unexpected</b>. Unacknowledged adds (FAIL/INFO) that
 * show up in reads are counted as recovered; they are never lost. Verdict: INVALID when anything
 * is lost or unexpected; UNKNOWN when there are acknowledged adds but none was ever read (or no
 * read at all); VALID otherwise. Stale elements do not make a history invalid (that is a
 * linearizability question), but are reported. Instances are immutable and threadsafe.
 */
public final class NoLostAckedWritesChecker implements Checker {

    private static final int LIST_LIMIT = 20;
    private static final double[] QUANTILES = {0, 0.5, 0.95, 0.99, 1};

    private final String addF;
    private final String readF;

    /** Creates the checker for {@code add} and {@code read}. */
    public NoLostAckedWritesChecker() {
        this("add", "read");
    }

    /**
     * Creates the checker with other function names.
     *
     * @param addF the function of adds
     * @param readF the function of reads
     */
    public NoLostAckedWritesChecker(String addF, String readF) {
        this.addF = Objects.requireNonNull(addF, "addF");
        this.readF = Objects.requireNonNull(readF, "readF");
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if a read's value is not a collection
     */
    @Override
    public CheckResult check(History history) {
        Set<Object> attempted = new HashSet<>();
        Map<Object, Operation> acked = new LinkedHashMap<>();
        for (Operation op : history.operations()) {
            if (op.invocation().f().equals(addF)) {
                attempted.add(op.invocation().value());
                if (op.isOk()) {
                    acked.putIfAbsent(op.invocation().value(), op);
                }
            }
        }
        List<Operation> reads = Operations.ok(history, readF);
        List<Set<Object>> readSets = new ArrayList<>(reads.size());
        Set<Object> everRead = new HashSet<>();
        for (Operation r : reads) {
            Set<Object> s = new HashSet<>(Operations.elements(r));
            readSets.add(s);
            everRead.addAll(s);
        }

        Set<Object> lost = new LinkedHashSet<>();
        Set<Object> stale = new LinkedHashSet<>();
        Set<Object> neverRead = new LinkedHashSet<>();
        List<Double> latenciesMs = new ArrayList<>();
        for (Map.Entry<Object, Operation> e : acked.entrySet()) {
            Object element = e.getKey();
            Operation add = e.getValue();
            long ackIndex = add.completion().index();
            int first = firstReadAfter(reads, ackIndex);
            if (first == reads.size()) {
                neverRead.add(element);
                continue;
            }
            if (!readSets.get(reads.size() - 1).contains(element)) {
                lost.add(element);
                continue;
            }
            int lastAbsent = -1;
            for (int i = first; i < reads.size(); i++) {
                if (!readSets.get(i).contains(element)) {
                    lastAbsent = i;
                }
            }
            if (lastAbsent >= 0) {
                stale.add(element);
            }
            Operation stableRead = reads.get(lastAbsent >= 0 ? lastAbsent + 1 : first);
            long nanos = stableRead.invocation().timeNanos() - add.invocation().timeNanos();
            latenciesMs.add(Math.max(0, nanos) / 1e6);
        }
        Set<Object> unexpected = new LinkedHashSet<>();
        int recovered = 0;
        for (Object o : everRead) {
            if (!attempted.contains(o)) {
                unexpected.add(o);
            } else if (!acked.containsKey(o)) {
                recovered++;
            }
        }

        Validity validity;
        if (!lost.isEmpty() || !unexpected.isEmpty()) {
            validity = Validity.INVALID;
        } else if (reads.isEmpty() || (!acked.isEmpty() && neverRead.size() == acked.size())) {
            validity = Validity.UNKNOWN;
        } else {
            validity = Validity.VALID;
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("attempt-count", attempted.size());
        d.put("acknowledged-count", acked.size());
        d.put("stable-count", latenciesMs.size());
        d.put("lost-count", lost.size());
        d.put("lost", Operations.first(lost, LIST_LIMIT));
        d.put("stale-count", stale.size());
        d.put("stale", Operations.first(stale, LIST_LIMIT));
        d.put("never-read-count", neverRead.size());
        d.put("unexpected-count", unexpected.size());
        d.put("unexpected", Operations.first(unexpected, LIST_LIMIT));
        d.put("recovered-count", recovered);
        d.put("stable-latency-ms", quantiles(latenciesMs));
        return CheckResult.of(validity, d);
    }

    /** Index of the first read invoked after the given event index (reads are in invocation order). */
    private static int firstReadAfter(List<Operation> reads, long index) {
        int lo = 0;
        int hi = reads.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (reads.get(mid).invocation().index() > index) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * Computes quantiles (nearest rank below) of a sample.
     *
     * @param values the sample
     * @return quantile (as text, for example {@code "0.95"}) to value; empty for an empty sample
     */
    static Map<String, Double> quantiles(Collection<Double> values) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (values.isEmpty()) {
            return out;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        for (double q : QUANTILES) {
            int i = (int) Math.floor(q * (sorted.size() - 1));
            out.put(q == 0 ? "0" : q == 1 ? "1" : Double.toString(q), sorted.get(i));
        }
        return out;
    }
}
