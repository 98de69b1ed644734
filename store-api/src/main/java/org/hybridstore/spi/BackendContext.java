package org.hybridstore.spi;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.hybridstore.NodeId;
import org.hybridstore.model.HybridLogicalClock;

/**
 * What the store hands a backend when it creates it: the node's identity and clock, and the threads
 * the backend may use. Backends start no thread pools of their own for callbacks; blocking I/O runs
 * on threads the backend owns and documents.
 *
 * @param node this node
 * @param clock this node's hybrid logical clock, shared by both backends
 * @param executor where completions and callbacks run
 * @param scheduler for timers (deadlines, periodic tasks)
 */
public record BackendContext(
    NodeId node, HybridLogicalClock clock, Executor executor, ScheduledExecutorService scheduler) {}
