/**
 * Test support shared by the ITs of cp-backend and switchover, the examples' ITs and the chaos
 * suite: one etcd member fixture ({@link org.hybridstore.testkit.EtcdNode}, started as a local
 * process or, when a Docker engine answers, as a container: {@link
 * org.hybridstore.testkit.EtcdRuntime}), the etcd command line ({@link
 * org.hybridstore.testkit.EtcdCommand}), free ports ({@link org.hybridstore.testkit.FreePorts}) and
 * the reaping of child processes and temporary directories ({@link
 * org.hybridstore.testkit.ChildProcesses}). Not part of the library: nothing in {@code src/main} of
 * a library module may depend on it.
 */
@NullMarked
package org.hybridstore.testkit;

import org.jspecify.annotations.NullMarked;
