package org.hybridstore;

/**
 * An acknowledged write.
 *
 * @param order the order after the write
 * @param opId the command's op id
 * @param acceptance whether etcd committed it ({@code STRONG}) or a local journal ({@code PROVISIONAL})
 * @param mode the mode the accepting node was in
 * @param epoch the accepting node's mode epoch (it grows with every mode change)
 * @param duplicate whether the op id had been applied before, so this call changed nothing
 */
public record WriteResult(Order order, OpId opId, Acceptance acceptance, ConsistencyMode mode, long epoch,
    boolean duplicate) {}
