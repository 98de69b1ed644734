package org.hybridstore;

import java.util.concurrent.CompletionStage;

/**
 * An acknowledged write.
 *
 * @param order the order after the write
 * @param opId the command's op id
 * @param acceptance whether etcd committed it ({@code STRONG}) or a local journal ({@code
 *     PROVISIONAL})
 * @param mode the mode the accepting node was in
 * @param epoch the accepting node's mode epoch (it grows with every mode change)
 * @param duplicate whether the op id had been applied before this call, so it changed nothing (a
 *     provisional fallback that finds the op id its own unanswered etcd attempt committed is not
 *     one)
 * @param confirmation completes when etcd holds the write, with the revision and the order as etcd
 *     holds it (see {@link Confirmation}): already complete for a {@code STRONG} write that was not
 *     a duplicate; for a {@code PROVISIONAL} write (or a duplicate) when this node learns that
 *     etcd's record holds the op id. It fails only with {@link StoreClosedException} when the store
 *     is closed first (the write is not lost: it is in the journal and at the node's peers, which
 *     fold it in; ask {@link OrderStore#confirmation(OpId)} on any node later), or with {@link
 *     UnknownOperationException} if {@value OrderLimits#OP_ID_RETENTION} later writes to the same
 *     order pushed the op id out of the record before etcd held it
 */
public record WriteResult(
    Order order,
    OpId opId,
    Acceptance acceptance,
    ConsistencyMode mode,
    long epoch,
    boolean duplicate,
    CompletionStage<Confirmation> confirmation) {}
