package org.hybridstore.event;

import java.time.Instant;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;

/**
 * A store changed its consistency mode.
 *
 * @param store the store's name
 * @param node the node it runs on
 * @param from the mode before
 * @param to the mode after
 * @param epoch the new epoch (grows by one with every change)
 * @param at when the change happened
 * @param reason why, for people
 */
public record ModeChangedEvent(
    String store,
    NodeId node,
    ConsistencyMode from,
    ConsistencyMode to,
    long epoch,
    Instant at,
    String reason) {}
