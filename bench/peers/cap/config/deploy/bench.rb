# Every host of the bench, each with its own login user; host keys checked.
world = JSON.parse(File.read(ENV.fetch('BENCH_HOSTS')))
set :repo_url, world['origin']
world['hosts'].each do |h|
  server h['address'], user: h['user'], port: h['port'], roles: %w[app]
end
set :ssh_options, {
  keys: [world['key']],
  keys_only: true,
  auth_methods: %w[publickey],
  user_known_hosts_file: world['knownHostsFile'],
  global_known_hosts_file: [],
  verify_host_key: :always,
  non_interactive: true,
}
