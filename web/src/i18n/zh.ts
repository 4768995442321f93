// 中文界面文字（键与 en.ts 相同）。
export default {
  app: { name: 'Nexus 工作室', skip: '跳到内容', language: '语言', loading: '加载中…' },
  nav: {
    main: '主导航', projects: '项目', admin: '管理', members: '成员', keys: 'API 密钥',
    audit: '审计日志', costs: '费用', providers: '模型提供方', budgets: '预算', policies: '策略',
    soon: '随接口上线', signOut: '退出登录', signedInAs: '已登录：{email}（{role}）',
  },
  error: { title: '出错了', code: '错误代码', retry: '重试', trace: '追踪号' },
  signIn: {
    title: '登录', email: '邮箱', password: '密码', tenant: '租户（可选）', submit: '登录',
    busy: '正在登录…', expired: '会话已结束，请重新登录。',
  },
  setup: {
    title: '欢迎使用 Nexus', lead: '这台服务器还没有任何账号。请创建管理员。',
    name: '你的名字', tenant: '工作区名称（a-z、0-9、-）', passwordHint: '至少 12 个字符。',
    submit: '创建管理员', busy: '正在创建…',
  },
  projects: {
    title: '项目', empty: '还没有项目，先创建一个吧。', name: '名称', description: '描述',
    create: '创建项目', creating: '正在创建…', open: '打开', updated: '更新于 {when}',
  },
  project: {
    settings: '设置', language: '语言', resolution: '分辨率', narrator: '旁白音色',
    budget: '预算（美元）', save: '保存设置', saved: '已保存。', runs: '运行', noRuns: '还没有运行。',
    stories: '故事',
  },
  story: {
    title: '故事', storyTitle: '标题', text: '故事正文', placeholder: '写下或粘贴一个故事（中文或英文）…',
    upload: '上传 .txt 或 .md 文件', preview: '预览', previewing: '正在读取故事…',
    run: '生成视频', running: '正在启动…', detected: '识别的语言：{lang}',
    scenes: '场景', characters: '角色', places: '地点', props: '道具',
    shots: '{n} 个镜头，约 {s} 秒', noPreview: '先预览故事，运行前即可看到场景和角色。',
    sentences: '{n} 句', mentions: '出现 {n} 次', voice: '音色 {voice}',
    langs: { zh: '中文', en: '英文', mixed: '中英混合', auto: '自动识别' },
  },
  run: {
    title: '运行 {id}', status: '状态', graph: '任务图', stages: '各阶段进度', events: '事件日志',
    cancel: '取消运行', retry: '重试运行', timeline: '时间线', player: '预览', entities: '实体',
    parent: '{id} 的修订', live: '实时', reconnecting: '正在重连…', ended: '事件流已结束',
    connecting: '正在连接…', idle: '未跟随', cached: '缓存命中', executed: '执行 {n} 个，缓存命中 {c} 个',
    node: '节点', attempts: '第 {a} 次尝试，共 {m} 次', timing: '耗时 {s} 秒', noDetail: '选择一个节点查看详情。',
    output: '输出', params: '参数', eventsCount: '{n} 个事件（最后编号 {id}）', legend: '图例',
    noEvents: '还没有事件。',
  },
  status: {
    pending: '等待中', ready: '就绪', awaiting_approval: '待审批', running: '运行中',
    succeeded: '成功', failed: '失败', cancelled: '已取消', skipped: '已跳过', compensating: '补偿中',
  },
  timeline: {
    title: '时间线', empty: '计划尚未完成：运行规划好镜头后会显示在这里。',
    shot: '镜头 {n}', text: '文本', speaker: '说话人', narrator: '旁白', voice: '音色', duration: '时长（秒）',
    variant: '版本 {n}', frame: '镜头 {n} 的画面', noFrame: '还没有画面', apply: '应用修改',
    askVariant: '换一个版本', regenerate: '重新生成镜头', willRerun: '以下节点将重新运行：',
    confirm: '确认', cancel: '取消', revision: '已开始修订', tracks: '音轨', play: '播放台词',
    lines: '台词', narration: '旁白', dialogue: '对白', music: '音乐',
  },
  player: {
    title: '预览', noVideo: '视频还没有生成。', downloads: '下载', shots: '跳到镜头',
    video: '视频（MP4）', srt: '字幕（SRT）', vtt: '字幕（VTT）', poster: '海报', subtitles: '字幕',
  },
  entities: {
    title: '实体', empty: '还没有实体：运行规划后会出现。', sample: '试听',
    aliases: '别名', noSample: '还没有试听音频',
  },
  admin: {
    members: '成员', email: '邮箱', role: '角色', add: '添加成员', password: '初始密码',
    since: '加入时间', keys: 'API 密钥', keyName: '名称', scopes: '权限范围', createKey: '创建密钥',
    revoke: '吊销', revoked: '已吊销', newKey: '请立即复制此密钥，它只显示一次：', prefix: '前缀',
    lastUsed: '最近使用', never: '从未', audit: '审计日志', action: '按操作筛选', filter: '筛选',
    when: '时间', actor: '操作者', target: '对象', outcome: '结果', more: '加载更多', noAudit: '没有记录。',
    soonTitle: '{feature}', soonBody: '此页面随其接口上线；导航已为它准备好。',
  },
}
