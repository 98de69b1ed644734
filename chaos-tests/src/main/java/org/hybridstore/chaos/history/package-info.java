/**
 * Histories of a concurrent test in Jepsen's vocabulary: an {@link
 * org.hybridstore.chaos.history.Op} is one invocation or completion event of a client process (or
 * of the nemesis), a {@link org.hybridstore.chaos.history.History} is the append-only,
 * real-time-ordered record of them, and the readers and writers here move histories to and from
 * Jepsen EDN, Jepsen's etcd log lines, Porcupine's kv lines and the project's own JSON lines.
 */
@NullMarked
package org.hybridstore.chaos.history;

import org.jspecify.annotations.NullMarked;
