package org.hybridstore.chaos.checker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hybridstore.chaos.checker.model.Call;
import org.hybridstore.chaos.checker.model.Model;

/**
 * The Wing-Gong-Lowe linearizability search for one partition, with Lowe's memoisation of
 * (linearized set, state) pairs, as in Porcupine's {@code checkSingle}.
 *
 * <p>Events live in a doubly linked list in real-time order. The search walks it: at a call it
 * tries to linearize the operation now (apply the model step, "lift" the call and its return out
 * of the list, push a frame) unless the resulting configuration is already in the cache; at a
 * return it has failed to linearize that operation before it returned, so it backtracks (pops a
 * frame, "unlifts" the operation, tries the next entry). The history is linearizable when the
 * list empties, or when the first remaining return belongs to an operation with unknown outcome:
 * every closed operation is then linearized, and the open ones may take effect later or never.
 *
 * <p>An operation whose outcome is unknown but whose return is at a finite position (only under
 * the {@code CLOSE_AT_COMPLETION} trap semantics) has a second alternative: linearize it as a
 * no-op. Not threadsafe; one instance per search.
 *
 * @param <S> the model state
 */
final class WglSearch<S> {

    /** One operation to linearize. */
    record SearchOp(int id, Call call, long callPos, long returnPos, boolean open, boolean mayBeNoOp) {
    }

    /** The outcome of one search. */
    record Outcome<S>(Validity validity, String unknownReason, long cacheEntries, Failure<S> failure) {
    }

    /** Where the search got furthest before failing: the op whose return could not be passed. */
    record Failure<S>(SearchOp op, List<S> states, List<SearchOp> prefixTail, List<S> prefixTailStates,
                      int prefixLength) {
    }

    private static final int MAX_STATES = 10;
    private static final int PREFIX_TAIL = 12;

    private static final class Node {
        final int op;
        final boolean isCall;
        final boolean openReturn;
        final long pos;
        Node match;
        Node prev;
        Node next;

        Node(int op, boolean isCall, boolean openReturn, long pos) {
            this.op = op;
            this.isCall = isCall;
            this.openReturn = openReturn;
            this.pos = pos;
        }
    }

    private record Frame<S>(Node call, S before, int alternative) {
    }

    /** A memoised configuration; bits is never mutated after construction. */
    private final class Key {
        final long[] bits;
        final S state;
        final int hash;

        Key(long[] bits, S state) {
            this.bits = bits;
            this.state = state;
            this.hash = Arrays.hashCode(bits) * 31 + model.stateHash(state);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof WglSearch<?>.Key k) || k.hash != hash || !Arrays.equals(k.bits, bits)) {
                return false;
            }
            @SuppressWarnings("unchecked")
            S other = (S) k.state;
            return model.stateEquals(state, other);
        }
    }

    private final Model<S> model;
    private final List<SearchOp> ops;
    private final long deadlineNanos;
    private final long maxCacheEntries;

    private final HashSet<Key> cache = new HashSet<>();
    private final ArrayDeque<Frame<S>> stack = new ArrayDeque<>();
    private final long[] linearized;
    private S state;

    // Furthest failure seen so far, for the counterexample.
    private long bestPos = -1;
    private SearchOp bestOp;
    private final Set<S> bestStates = new LinkedHashSet<>();
    private List<SearchOp> bestTail = List.of();
    private List<S> bestTailStates = List.of();
    private int bestPrefixLength;

    /**
     * Prepares a search.
     *
     * @param model the model
     * @param ops the operations; {@code id} must equal the position in the list
     * @param deadlineNanos the {@link System#nanoTime()} after which the search gives up
     * @param maxCacheEntries the cache bound after which the search gives up
     */
    WglSearch(Model<S> model, List<SearchOp> ops, long deadlineNanos, long maxCacheEntries) {
        this.model = model;
        this.ops = ops;
        this.deadlineNanos = deadlineNanos;
        this.maxCacheEntries = maxCacheEntries;
        this.linearized = new long[(ops.size() + 63) / 64];
    }

    /**
     * Runs the search.
     *
     * @return the outcome
     */
    Outcome<S> run() {
        Node head = buildList();
        state = model.init();
        Node entry = head.next;
        long iterations = 0;
        while (head.next != null) {
            if ((++iterations & 0x3FF) == 0 && System.nanoTime() - deadlineNanos > 0) {
                return unknown("time limit exceeded");
            }
            if (cache.size() >= maxCacheEntries) {
                return unknown("memory budget exceeded (" + cache.size() + " cached configurations)");
            }
            if (entry.isCall) {
                entry = tryLinearize(entry, 0) ? head.next : entry.next;
                continue;
            }
            if (entry.openReturn) {
                // Every closed op is linearized; the remaining ones have unknown outcomes.
                break;
            }
            noteFailure(entry);
            if (stack.isEmpty()) {
                return new Outcome<>(Validity.INVALID, null, cache.size(), failure());
            }
            Frame<S> top = stack.pop();
            state = top.before();
            int id = top.call().op;
            linearized[id >>> 6] &= ~(1L << id);
            unlift(top.call());
            entry = tryLinearize(top.call(), top.alternative() + 1) ? head.next : top.call().next;
        }
        return new Outcome<>(Validity.VALID, null, cache.size(), null);
    }

    private Outcome<S> unknown(String reason) {
        return new Outcome<>(Validity.UNKNOWN, reason, cache.size(), bestOp == null ? null : failure());
    }

    /** Tries the alternatives of a call from {@code from}; on success the call is linearized. */
    private boolean tryLinearize(Node call, int from) {
        SearchOp op = ops.get(call.op);
        int alternatives = op.mayBeNoOp() ? 2 : 1;
        for (int alt = from; alt < alternatives; alt++) {
            S next = alt == 0 ? model.step(state, op.call()) : state;
            if (next == null) {
                continue;
            }
            long[] bits = linearized.clone();
            bits[op.id() >>> 6] |= 1L << op.id();
            if (cache.add(new Key(bits, next))) {
                stack.push(new Frame<>(call, state, alt));
                state = next;
                linearized[op.id() >>> 6] |= 1L << op.id();
                lift(call);
                return true;
            }
        }
        return false;
    }

    private void noteFailure(Node ret) {
        if (ret.pos > bestPos) {
            bestPos = ret.pos;
            bestOp = ops.get(ret.op);
            bestStates.clear();
            bestPrefixLength = stack.size();
            // The stack is newest-first; keep the newest PREFIX_TAIL frames, oldest first.
            List<SearchOp> tail = new ArrayList<>();
            List<S> tailStates = new ArrayList<>();
            S after = state;
            for (Frame<S> f : stack) {
                if (tail.size() == PREFIX_TAIL) {
                    break;
                }
                tail.add(0, ops.get(f.call().op));
                tailStates.add(0, after);
                after = f.before();
            }
            bestTail = tail;
            bestTailStates = tailStates;
        }
        if (ret.pos == bestPos && bestStates.size() < MAX_STATES) {
            bestStates.add(state);
        }
    }

    private Failure<S> failure() {
        return new Failure<>(bestOp, List.copyOf(bestStates), bestTail, bestTailStates, bestPrefixLength);
    }

    private Node buildList() {
        List<Node> events = new ArrayList<>(ops.size() * 2);
        for (SearchOp op : ops) {
            Node call = new Node(op.id(), true, false, op.callPos());
            Node ret = new Node(op.id(), false, op.open(), op.open() ? Long.MAX_VALUE : op.returnPos());
            call.match = ret;
            events.add(call);
            events.add(ret);
        }
        // Real-time order; open returns go last, in call order (ids are in call order).
        events.sort(Comparator.comparingLong((Node n) -> n.pos).thenComparingInt(n -> n.op));
        Node head = new Node(-1, false, false, -1);
        Node prev = head;
        for (Node n : events) {
            prev.next = n;
            n.prev = prev;
            prev = n;
        }
        return head;
    }

    private static void lift(Node call) {
        call.prev.next = call.next;
        call.next.prev = call.prev;
        Node ret = call.match;
        ret.prev.next = ret.next;
        if (ret.next != null) {
            ret.next.prev = ret.prev;
        }
    }

    private static void unlift(Node call) {
        Node ret = call.match;
        ret.prev.next = ret;
        if (ret.next != null) {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        call.next.prev = call;
    }
}
