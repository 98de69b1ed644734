/**
 * The etcd test fixture, shipped in cp-backend's test-jar for the modules that build on it
 * (switchover, chaos-tests): {@link org.hybridstore.cp.testing.EtcdClusterExtension} starts real
 * etcd members as child processes and lets tests kill, restart, pause and resume them.
 */
@NullMarked
package org.hybridstore.cp.testing;

import org.jspecify.annotations.NullMarked;
