/**
 * Membership and messaging with ScaleCube Cluster (SWIM): the only package that imports {@code
 * io.scalecube} and Reactor. Reactor {@code Mono}s become {@code CompletableFuture}s here and
 * nowhere else. Every byte ScaleCube sends or receives goes through {@link
 * org.hybridstore.ap.internal.gossip.AllowListMessageCodec}: no Java serialization, an allow-list
 * of types, and malformed or oversized frames dropped and counted.
 */
@NullMarked
package org.hybridstore.ap.internal.gossip;

import org.jspecify.annotations.NullMarked;
