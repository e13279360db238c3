# The bench's Capistrano recipe: stock git strategy (mirror, remote update, archive | tar),
# linked file, keep 5, a no-op restart. BENCH_HOSTS is the bench's hosts.json,
# BENCH_DIR the deploy directory under each login's $HOME, BENCH_TAG the tag.
lock '~> 3.17'
require 'json'

set :application, 'app'
set :branch, ENV.fetch('BENCH_TAG')
set :deploy_to, "~/#{ENV.fetch('BENCH_DIR')}"
set :linked_files, %w[config/app.env]
set :keep_releases, 5
# Every host of the bench shares this machine's /tmp, where each user's git wrapper would
# collide (separate machines do not): each login keeps its own in its login directory
# (relative: Capistrano shell-escapes a `~`).
set :tmp_dir, '.cap-tmp'
set :format_options, log_file: ENV.fetch('BENCH_CAP_LOG', '/dev/null')
set :log_level, :warn

namespace :bench do
  task :restart do
    on roles(:app) do
      execute :true
    end
  end
end
after 'deploy:publishing', 'bench:restart'
