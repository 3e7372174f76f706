/**
 * Field names of the Go structs docker's `inspect -f` renders (container, image) that mini-run's
 * documents can lack: fields mini-run does not fill, and omitempty ones (State.Health without a
 * healthcheck, Config.ExposedPorts…). Docker runs the template on its struct first, where such a
 * field is a nil or zero value (`{{if .State.Health}}` is false), and only when that fails on
 * the raw JSON with missingkey=error. So here a name in this list answers nil, and any other
 * missing name is `map has no entry for key "X"`. Taken from a 20.10 engine's inspect output.
 */
export const DOCKER_INSPECT_FIELDS: ReadonlySet<string> = new Set([
  // container: omitempty
  'Health', 'Healthcheck', 'ExposedPorts', 'StopTimeout', 'StopSignal', 'Node', 'Volumes', 'OnBuild', 'Shell', 'MacAddress', 'ArgsEscaped',
  'NetworkDisabled', 'Init', 'SizeRw', 'SizeRootFs', 'Platform',
  // container: fields mini-run does not fill
  'AppArmorProfile', 'ExecIDs', 'MountLabel', 'ProcessLabel', 'Binds', 'BlkioWeightDevice', 'Cgroup', 'CgroupParent', 'CgroupnsMode',
  'ConsoleSize', 'ContainerIDFile', 'CpuCount', 'CpuPercent', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime',
  'CpusetCpus', 'CpusetMems', 'DeviceRequests', 'IOMaximumBandwidth', 'IOMaximumIOps', 'Isolation', 'KernelMemory', 'KernelMemoryTCP',
  'MaskedPaths', 'MemoryReservation', 'MemorySwappiness', 'OomKillDisable', 'OomScoreAdj', 'PublishAllPorts', 'ReadonlyPaths', 'Runtime',
  'ShmSize', 'Ulimits', 'VolumeDriver', 'VolumesFrom', 'Bridge', 'EndpointID', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'HairpinMode',
  'IPv6Gateway', 'LinkLocalIPv6Address', 'LinkLocalIPv6PrefixLen', 'SandboxID', 'SandboxKey', 'SecondaryIPAddresses', 'SecondaryIPv6Addresses',
  // image
  'Container', 'ContainerConfig', 'VirtualSize', 'MergedDir', 'UpperDir', 'WorkDir', 'LowerDir', 'Parent', 'Comment', 'Author', 'DockerVersion', 'Variant',
]);
