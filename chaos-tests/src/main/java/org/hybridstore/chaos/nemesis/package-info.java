/**
 * Nemeses for the chaos suite: each {@link org.hybridstore.chaos.nemesis.Nemesis} puts one kind of
 * fault in place on a {@link org.hybridstore.chaos.cluster.Cluster} with {@code start} and reverses
 * exactly that with {@code stop}. {@link org.hybridstore.chaos.nemesis.Nemeses} names them; adding
 * one is one class plus one registry line. Process faults (kill, pause) work in both cluster modes;
 * network faults need the NAMESPACES mode ({@code supported} says which).
 */
@NullMarked
package org.hybridstore.chaos.nemesis;

import org.jspecify.annotations.NullMarked;
