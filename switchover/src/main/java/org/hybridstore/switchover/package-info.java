/**
 * The store an order service embeds: {@link org.hybridstore.switchover.HybridOrderStore} writes
 * through etcd while etcd has quorum, falls back to the node's local journal when it has not, and
 * folds the provisional writes back into etcd when quorum returns. Its mode is visible through
 * {@link org.hybridstore.switchover.SwitchoverListener}s and the JMX MXBean {@link
 * org.hybridstore.switchover.HybridOrderStoreMXBean}.
 */
@NullMarked
package org.hybridstore.switchover;

import org.jspecify.annotations.NullMarked;
