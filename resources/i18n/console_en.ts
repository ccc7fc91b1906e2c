<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>AlarmFigures</name>
    <message>
        <source>告警系统运行指标</source>
        <translation>Alarm system figures</translation>
    </message>
    <message>
        <source>指标</source>
        <translation>Figure</translation>
    </message>
    <message>
        <source>近 24 小时</source>
        <translation>Last 24 hours</translation>
    </message>
    <message>
        <source>近 7 天</source>
        <translation>Last 7 days</translation>
    </message>
    <message>
        <source>目标（ISA-18.2 / EEMUA 191）：平均每小时约 6 条，最忙的一小时不超过 12 条；单一规则不超过 25 %。</source>
        <translation>Targets (ISA-18.2 / EEMUA 191): about 6 alarms an hour on average, at most 12 in the busiest hour; no rule above 25 %.</translation>
    </message>
    <message>
        <source>告警总数</source>
        <translation>Alarms</translation>
    </message>
    <message>
        <source>平均每小时</source>
        <translation>Per hour (average)</translation>
    </message>
    <message>
        <source>最忙的一小时</source>
        <translation>Busiest hour</translation>
    </message>
    <message>
        <source>平均每 10 分钟</source>
        <translation>Per 10 minutes (average)</translation>
    </message>
    <message>
        <source>泛滥时段占比</source>
        <translation>Share of 10-minute periods in flood</translation>
    </message>
    <message>
        <source>长期未消除（&gt; 24 小时）</source>
        <translation>Stale (active &gt; 24 h)</translation>
    </message>
    <message>
        <source>抖动告警（1 分钟内 3 次）</source>
        <translation>Chattering (3 within a minute)</translation>
    </message>
    <message>
        <source>最大单一规则占比</source>
        <translation>Largest rule&apos;s share</translation>
    </message>
    <message>
        <source>规则：{0}</source>
        <translation>Rule: {0}</translation>
    </message>
    <message>
        <source>最频繁：{0}</source>
        <translation>Most frequent: {0}</translation>
    </message>
</context>
<context>
    <name>AlarmList</name>
    <message>
        <source>紧急案件未派遣</source>
        <translation>Emergency not dispatched</translation>
    </message>
    <message>
        <source>紧急案件超期</source>
        <translation>Emergency overdue</translation>
    </message>
    <message>
        <source>网格超期聚集</source>
        <translation>Overdue cluster in grid</translation>
    </message>
    <message>
        <source>推诿扯皮</source>
        <translation>Buck-passing</translation>
    </message>
    <message>
        <source>转为疑难</source>
        <translation>Became hard</translation>
    </message>
    <message>
        <source>街道上报超控制线</source>
        <translation>Street over escalation limit</translation>
    </message>
    <message>
        <source>部门超期积压</source>
        <translation>Department overdue load</translation>
    </message>
    <message>
        <source>网格同类集中上报</source>
        <translation>Burst of reports in grid</translation>
    </message>
    <message>
        <source>同类案件激增</source>
        <translation>Category surge</translation>
    </message>
    <message>
        <source>数据链路中断</source>
        <translation>Link down</translation>
    </message>
    <message>
        <source>本地存储积压</source>
        <translation>Store queue filling</translation>
    </message>
    <message>
        <source>紧急案件附近摄像头离线</source>
        <translation>Camera offline near urgent case</translation>
    </message>
    <message>
        <source>高</source>
        <translation>High</translation>
    </message>
    <message>
        <source>中</source>
        <translation>Medium</translation>
    </message>
    <message>
        <source>低</source>
        <translation>Low</translation>
    </message>
    <message>
        <source>未确认</source>
        <translation>Unacknowledged</translation>
    </message>
    <message>
        <source>已确认</source>
        <translation>Acknowledged</translation>
    </message>
    <message>
        <source>已恢复未确认</source>
        <translation>Cleared, unacknowledged</translation>
    </message>
    <message>
        <source>正常</source>
        <translation>Normal</translation>
    </message>
    <message>
        <source>已搁置</source>
        <translation>Shelved</translation>
    </message>
    <message>
        <source>停用</source>
        <translation>Out of service</translation>
    </message>
    <message>
        <source>级别</source>
        <translation>Priority</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>全部级别</source>
        <translation>All priorities</translation>
    </message>
    <message>
        <source>全部状态</source>
        <translation>All states</translation>
    </message>
    <message>
        <source>全部告警</source>
        <translation>All alarms</translation>
    </message>
    <message>
        <source>全部街道</source>
        <translation>All streets</translation>
    </message>
    <message>
        <source>确认</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <source>搁置…</source>
        <translation>Shelve…</translation>
    </message>
    <message>
        <source>取消搁置</source>
        <translation>Unshelve</translation>
    </message>
    <message>
        <source>统计…</source>
        <translation>Figures…</translation>
    </message>
    <message>
        <source>告警系统运行指标：每小时告警数、泛滥时段、抖动与长期告警</source>
        <translation>The alarm system&apos;s figures: alarms per hour, floods, chattering and stale alarms</translation>
    </message>
    <message>
        <source>确认所选告警（空格键）</source>
        <translation>Acknowledge the selected alarms (Space)</translation>
    </message>
    <message>
        <source>搁置所选告警：须写明原因和时长（S 键）</source>
        <translation>Shelve the selected alarms, with a reason and a time (S)</translation>
    </message>
    <message>
        <source>⚠ 告警泛滥：已持续 {0} 分钟 — 同一街道的同类告警已合并</source>
        <translation>⚠ Alarm flood for {0} min — alarms of one kind in one street are grouped</translation>
    </message>
    <message>
        <source>全区</source>
        <translation>District</translation>
    </message>
    <message>
        <source>{0} ×{1}</source>
        <translation>{0} ×{1}</translation>
    </message>
    <message>
        <source>另有 {0} 条告警未列出（排在以上 {1} 行之后），其中 {2} 条待确认；请用筛选缩小范围</source>
        <translation>{0} more alarms not listed (after the {1} lines above), {2} of them unacknowledged; narrow the list with the filters</translation>
    </message>
    <message>
        <source>⏳ 待后端确认</source>
        <translation>⏳ awaiting the backend</translation>
    </message>
    <message>
        <source>搁置告警</source>
        <translation>Shelve alarm</translation>
    </message>
    <message>
        <source>搁置原因（必填）：</source>
        <translation>Reason (required):</translation>
    </message>
    <message>
        <source>{0} 分钟</source>
        <translation>{0} min</translation>
    </message>
    <message>
        <source>搁置多久：</source>
        <translation>Shelve for:</translation>
    </message>
    <message>
        <source>后端数据链路</source>
        <translation>Link to the backend</translation>
    </message>
    <message>
        <source>本地存储</source>
        <translation>Local store</translation>
    </message>
    <message>
        <source>{0} 搁置至 {1}：{2}</source>
        <translation>{0} shelved until {1}: {2}</translation>
    </message>
    <message>
        <source>{0} 已确认</source>
        <translation>acknowledged by {0}</translation>
    </message>
    <message>
        <source>告警</source>
        <translation>Alarm</translation>
    </message>
    <message>
        <source>对象</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>发生</source>
        <translation>Raised</translation>
    </message>
    <message>
        <source>处置</source>
        <translation>Handling</translation>
    </message>
</context>
<context>
    <name>AlarmSummary</name>
    <message>
        <source>告警：无待确认</source>
        <translation>Alarms: none waiting</translation>
    </message>
    <message>
        <source>告警待确认 高 {0} · 中 {1} · 低 {2} · 最久 {3}</source>
        <translation>Alarms waiting: high {0} · medium {1} · low {2} · oldest {3}</translation>
    </message>
    <message>
        <source> · 泛滥中</source>
        <translation> · flood</translation>
    </message>
</context>
<context>
    <name>BounceGraph</name>
    <message>
        <source>中心</source>
        <translation>Center</translation>
    </message>
    <message>
        <source>尚未派遣到任何部门</source>
        <translation>Not yet dispatched to any department</translation>
    </message>
</context>
<context>
    <name>CameraTile</name>
    <message>
        <source>等待解码器</source>
        <translation>Waiting for a decoder</translation>
    </message>
    <message>
        <source>连接中</source>
        <translation>Connecting</translation>
    </message>
    <message>
        <source>直播</source>
        <translation>Live</translation>
    </message>
    <message>
        <source>画面中断</source>
        <translation>Picture stalled</translation>
    </message>
    <message>
        <source>无法连接</source>
        <translation>Unreachable</translation>
    </message>
    <message>
        <source>视频故障</source>
        <translation>Video failed</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>链接被拒绝</source>
        <translation>Link refused</translation>
    </message>
    <message>
        <source>未知摄像头</source>
        <translation>Unknown camera</translation>
    </message>
    <message>
        <source>未显示</source>
        <translation>Not shown</translation>
    </message>
    <message>
        <source>{0}：{1}</source>
        <translation>{0}: {1}</translation>
    </message>
    <message>
        <source>{0}（{1}）</source>
        <translation>{0} ({1})</translation>
    </message>
    <message>
        <source>{0}，{1} 秒后重试</source>
        <translation>{0}, retrying in {1} s</translation>
    </message>
    <message>
        <source>空闲
从案件或地图选择摄像头</source>
        <translation>Free
Pick cameras from a case or the map</translation>
    </message>
    <message>
        <source>{0} · 案件 {1}</source>
        <translation>{0} · case {1}</translation>
    </message>
    <message>
        <source>保存画面为案件证据</source>
        <translation>Keep this picture as evidence of the case</translation>
    </message>
    <message>
        <source>用外部播放器打开</source>
        <translation>Open in the external player</translation>
    </message>
    <message>
        <source>移除此摄像头</source>
        <translation>Remove this camera</translation>
    </message>
</context>
<context>
    <name>CameraWall</name>
    <message>
        <source>{0} 画面</source>
        <translation>{0} tiles</translation>
    </message>
    <message>
        <source>清空</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>墙 {0}</source>
        <translation>Wall {0}</translation>
    </message>
    <message>
        <source>案件 {0} 附近的摄像头</source>
        <translation>Cameras near case {0}</translation>
    </message>
</context>
<context>
    <name>Cameras</name>
    <message>
        <source>案件 {0} 附近 {1:.0f} 米内没有在线摄像头</source>
        <translation>No online camera within {1:.0f} m of case {0}</translation>
    </message>
    <message>
        <source>此处 {0:.0f} 米内没有在线摄像头</source>
        <translation>No online camera within {0:.0f} m of this point</translation>
    </message>
    <message>
        <source>上墙请求未发出：{0}</source>
        <translation>Show request not sent: {0}</translation>
    </message>
    <message>
        <source>已请求 {0} 显示 {1} 个摄像头（待后端确认）</source>
        <translation>Asked {0} to show {1} cameras (pending the backend&apos;s confirmation)</translation>
    </message>
    <message>
        <source>画面未保存：这路画面没有图像或没有关联案件</source>
        <translation>Picture not kept: this tile has no picture or no case</translation>
    </message>
    <message>
        <source>画面未保存：{0}</source>
        <translation>Picture not kept: {0}</translation>
    </message>
    <message>
        <source>画面已存为案件 {0} 的证据（{1}）</source>
        <translation>Picture kept as evidence of case {0} ({1})</translation>
    </message>
    <message>
        <source>外部播放器 {0} 未能启动</source>
        <translation>the external player {0} did not start</translation>
    </message>
</context>
<context>
    <name>CaseDetail</name>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>环节</source>
        <translation>Step</translation>
    </message>
    <message>
        <source>动作</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>经办</source>
        <translation>By</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>附近摄像头</source>
        <translation>Nearby camera</translation>
    </message>
    <message>
        <source>距离</source>
        <translation>Distance</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>方位</source>
        <translation>Direction</translation>
    </message>
    <message>
        <source>未选择案件</source>
        <translation>No case selected</translation>
    </message>
    <message>
        <source>展开</source>
        <translation>Expand</translation>
    </message>
    <message>
        <source>在大窗口中查看这件案件的全过程（在队列中按回车或双击也可）</source>
        <translation>See this case&apos;s whole story in a large window (or press Enter or double-click in the queue)</translation>
    </message>
    <message>
        <source>位置</source>
        <translation>Where</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>承办</source>
        <translation>Assigned</translation>
    </message>
    <message>
        <source>时限</source>
        <translation>Deadline</translation>
    </message>
    <message>
        <source>灯</source>
        <translation>Light</translation>
    </message>
    <message>
        <source>退回/返工</source>
        <translation>Returns</translation>
    </message>
    <message>
        <source>标记</source>
        <translation>Flags</translation>
    </message>
    <message>
        <source>双击或按回车：这台摄像头上墙；右键：用外部播放器打开</source>
        <translation>Double-click or Enter: this camera on the wall; right-click: open in the external player</translation>
    </message>
    <message>
        <source>附近摄像头上墙</source>
        <translation>Nearby cameras on the wall</translation>
    </message>
    <message>
        <source>把这件案件附近的在线摄像头放上摄像头墙（快捷键 V）</source>
        <translation>Put the online cameras near this case on the camera wall (key V)</translation>
    </message>
    <message>
        <source>提交会商</source>
        <translation>To the council</translation>
    </message>
    <message>
        <source>把这件案件列入协调会商议程；批注栏里的文字作为提交理由</source>
        <translation>Put this case on the coordination council&apos;s agenda; the text in the note line is the reason</translation>
    </message>
    <message>
        <source>用外部播放器打开</source>
        <translation>Open in the external player</translation>
    </message>
    <message>
        <source>写批注，回车发送（先存本机，后端确认前显示“待确认”）</source>
        <translation>Write a note, Enter sends it (stored here first; &quot;unconfirmed&quot; until the backend confirms)</translation>
    </message>
    <message>
        <source>{0}：已不在当前态势中</source>
        <translation>{0}: no longer in the situation</translation>
    </message>
    <message>
        <source>批注待后端确认：{0} 条</source>
        <translation>Notes awaiting the backend&apos;s confirmation: {0}</translation>
    </message>
    <message>
        <source>（无描述）</source>
        <translation>(no description)</translation>
    </message>
    <message>
        <source>{street} · 网格 {grid} · {address}</source>
        <translation>{street} · grid {grid} · {address}</translation>
    </message>
    <message>
        <source>单元网格 {0}</source>
        <translation>Unit grid {0}</translation>
    </message>
    <message>
        <source>{channel} · 受理 {at}</source>
        <translation>{channel} · received {at}</translation>
    </message>
    <message>
        <source>{step} · {loop} · 自 {at}</source>
        <translation>{step} · {loop} · since {at}</translation>
    </message>
    <message>
        <source>已结案</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>退回 {0} 次 · 返工 {1} 次 · 重复反映 {2} 次</source>
        <translation>returned {0} · rework {1} · repeat reports {2}</translation>
    </message>
    <message>
        <source>疑难案件</source>
        <translation>Hard case</translation>
    </message>
    <message>
        <source>推诿</source>
        <translation>Buck-passing</translation>
    </message>
    <message>
        <source>已上报区级</source>
        <translation>Escalated to district</translation>
    </message>
    <message>
        <source>、</source>
        <comment>list separator</comment>
        <translation>, </translation>
    </message>
    <message>
        <source>在线</source>
        <translation>online</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>offline</translation>
    </message>
    <message>
        <source>{0:.0f} 米</source>
        <translation>{0:.0f} m</translation>
    </message>
</context>
<context>
    <name>CaseQueue</name>
    <message>
        <source>搜索案件编号或标题</source>
        <translation>Search case no. or title</translation>
    </message>
    <message>
        <source>仅疑难</source>
        <translation>Hard only</translation>
    </message>
    <message>
        <source>仅超期</source>
        <translation>Overdue only</translation>
    </message>
    <message>
        <source>清除筛选</source>
        <translation>Clear filters</translation>
    </message>
    <message>
        <source>清除全部筛选（Esc）</source>
        <translation>Clear all filters (Esc)</translation>
    </message>
    <message>
        <source>、</source>
        <comment>list separator</comment>
        <translation>, </translation>
    </message>
    <message>
        <source>等{}个</source>
        <translation> ({} in all)</translation>
    </message>
    <message>
        <source>街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <source>社区</source>
        <translation>Community</translation>
    </message>
    <message>
        <source>基础网格</source>
        <translation>Base grid</translation>
    </message>
    <message>
        <source>单元网格</source>
        <translation>Unit grid</translation>
    </message>
    <message>
        <source>部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>大类</source>
        <translation>Major</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>{caption}：{names}</source>
        <translation>{caption}: {names}</translation>
    </message>
    <message>
        <source>环节：{}</source>
        <translation>Step: {}</translation>
    </message>
    <message>
        <source>灯：{}</source>
        <translation>Light: {}</translation>
    </message>
    <message>
        <source>疑难</source>
        <translation>Hard</translation>
    </message>
    <message>
        <source>超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>推诿</source>
        <translation>Buck-passing</translation>
    </message>
    <message>
        <source>含已结案</source>
        <translation>Incl. closed</translation>
    </message>
    <message>
        <source>地图上点选的 {0} 件</source>
        <translation>{0} cases picked on the map</translation>
    </message>
    <message>
        <source>搜索：“{}”</source>
        <translation>Search: “{}”</translation>
    </message>
    <message>
        <source>在全部案件中搜索（找到 {0} 件，含已结案）</source>
        <translation>Search all cases ({0} found, closed ones included)</translation>
    </message>
    <message>
        <source>全部在办案件</source>
        <translation>All open cases</translation>
    </message>
    <message>
        <source>显示 {shown} / {total} 件</source>
        <translation>{shown} / {total} cases</translation>
    </message>
    <message>
        <source>没有同时符合这些筛选的案件：{0}（按 Esc 或“清除筛选”）</source>
        <translation>No case matches all of these filters: {0} (Esc or “Clear filters”)</translation>
    </message>
</context>
<context>
    <name>CaseQueueModel</name>
    <message>
        <source>案件编号</source>
        <translation>Case no.</translation>
    </message>
    <message>
        <source>标题</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <source>单元网格</source>
        <translation>Unit grid</translation>
    </message>
    <message>
        <source>环节</source>
        <translation>Step</translation>
    </message>
    <message>
        <source>循环</source>
        <translation>Loop</translation>
    </message>
    <message>
        <source>部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>环节用时</source>
        <translation>In step</translation>
    </message>
    <message>
        <source>时限</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>灯</source>
        <translation>Light</translation>
    </message>
    <message>
        <source>退回</source>
        <translation>Returns</translation>
    </message>
    <message>
        <source>◆疑难</source>
        <translation>◆hard</translation>
    </message>
    <message>
        <source>剩 {}</source>
        <translation>{} left</translation>
    </message>
    <message>
        <source>超 {}</source>
        <translation>{} late</translation>
    </message>
    <message>
        <source>{h}时{m:02d}分</source>
        <translation>{h}h{m:02d}m</translation>
    </message>
    <message>
        <source>{d}天{h}时</source>
        <translation>{d}d{h}h</translation>
    </message>
    <message>
        <source>刚刚</source>
        <translation>just now</translation>
    </message>
    <message>
        <source>{}分钟前</source>
        <translation>{} min ago</translation>
    </message>
    <message>
        <source>{}小时前</source>
        <translation>{} h ago</translation>
    </message>
    <message>
        <source>{}天前</source>
        <translation>{} d ago</translation>
    </message>
    <message>
        <source>进入本环节：{ago}（{at}）</source>
        <translation>In this step since {ago} ({at})</translation>
    </message>
    <message>
        <source>处置时限：{at}</source>
        <translation>Deadline: {at}</translation>
    </message>
    <message>
        <source>疑难案件</source>
        <translation>Hard case</translation>
    </message>
    <message>
        <source>未派遣</source>
        <translation>Not dispatched</translation>
    </message>
</context>
<context>
    <name>CaseStory</name>
    <message>
        <source>案件全过程</source>
        <translation>Case story</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>案件全过程 · {0}</source>
        <translation>Case story · {0}</translation>
    </message>
    <message>
        <source> · 历史回放 {0}（非实时）</source>
        <translation> · replay {0} (not live)</translation>
    </message>
</context>
<context>
    <name>Console</name>
    <message>
        <source>在办案件数</source>
        <translation>Open cases</translation>
    </message>
    <message>
        <source>超期案件数</source>
        <translation>Overdue cases</translation>
    </message>
    <message>
        <source>近一小时新增</source>
        <translation>New in last hour</translation>
    </message>
    <message>
        <source>上报区级（在办）</source>
        <translation>Escalated (open)</translation>
    </message>
    <message>
        <source>先在队列或地图上选中一件案件</source>
        <translation>Select a case in the queue or on the map first</translation>
    </message>
    <message>
        <source>告警处置未能保存：{0}</source>
        <translation>The alarm action could not be stored: {0}</translation>
    </message>
    <message>
        <source>导出简报</source>
        <translation>Export the briefing</translation>
    </message>
    <message>
        <source>简报未能写出：{0}</source>
        <translation>The briefing could not be written: {0}</translation>
    </message>
    <message>
        <source>简报已写出：{0}</source>
        <translation>Briefing written: {0}</translation>
    </message>
    <message>
        <source>导出会议纪要</source>
        <translation>Export the minutes</translation>
    </message>
    <message>
        <source>会议纪要未能写出：{0}</source>
        <translation>The minutes could not be written: {0}</translation>
    </message>
    <message>
        <source>会议纪要已写出：{0}</source>
        <translation>Minutes written: {0}</translation>
    </message>
    <message>
        <source>批注未发出：{0}</source>
        <translation>Note not sent: {0}</translation>
    </message>
    <message>
        <source>未能提交会商：{0}</source>
        <translation>Not sent to the council: {0}</translation>
    </message>
    <message>
        <source>{0} 已提交会商，待后端确认</source>
        <translation>{0} sent to the council, waiting for the backend</translation>
    </message>
    <message>
        <source>摄像头链接未打开：{0}</source>
        <translation>Camera link not opened: {0}</translation>
    </message>
    <message>
        <source>Qt 无法解析此链接：{0}</source>
        <translation>Qt cannot parse the link: {0}</translation>
    </message>
    <message>
        <source>本机没有登记能打开 {0} 链接的播放器</source>
        <translation>no player is registered on this machine for {0} links</translation>
    </message>
    <message>
        <source>布局未能保存：{0}</source>
        <translation>Layout not saved: {0}</translation>
    </message>
    <message>
        <source>布局已保存：{0}</source>
        <translation>Layout saved: {0}</translation>
    </message>
    <message>
        <source>告警规则文件未采用，按默认规则运行：{0}</source>
        <translation>Alarm rules file refused, running on the defaults: {0}</translation>
    </message>
    <message>
        <source>议程未改：{0}</source>
        <translation>Agenda not changed: {0}</translation>
    </message>
    <message>
        <source>{0}：已记录并发出，待后端确认</source>
        <translation>{0}: stored and sent, waiting for the backend</translation>
    </message>
    <message>
        <source>{0} 移到第 {1} 位</source>
        <translation>{0} moved to place {1}</translation>
    </message>
    <message>
        <source>{0} 移出议程</source>
        <translation>{0} taken off the agenda</translation>
    </message>
    <message>
        <source>主持未生效：{0}</source>
        <translation>Not driving the room: {0}</translation>
    </message>
    <message>
        <source>决定未发出：{0}</source>
        <translation>Decision not sent: {0}</translation>
    </message>
    <message>
        <source>决定已记录并发出，待后端确认（{0}）</source>
        <translation>Decision recorded and sent, pending the backend&apos;s confirmation ({0})</translation>
    </message>
    <message>
        <source>后端已确认决定（{0}）</source>
        <translation>The backend confirmed the decision ({0})</translation>
    </message>
    <message>
        <source>{0}：后端已确认</source>
        <translation>{0}: confirmed by the backend</translation>
    </message>
    <message>
        <source>{0}：后端拒绝（{1}）</source>
        <translation>{0}: refused by the backend ({1})</translation>
    </message>
    <message>
        <source>后端拒绝了决定（{0}）：{1}</source>
        <translation>The backend refused the decision ({0}): {1}</translation>
    </message>
    <message>
        <source>后端未确认决定（{0}，已发送 {1} 次）：后端拒绝或未收到</source>
        <translation>The backend did not confirm the decision ({0}, sent {1} times): refused or not received</translation>
    </message>
    <message>
        <source>无法回放：{0}</source>
        <translation>Cannot replay: {0}</translation>
    </message>
    <message>
        <source>后端未确认这条批注（已重发 {0} 次）：请与后端核实</source>
        <translation>The backend did not confirm this note (sent {0} times): check with the backend</translation>
    </message>
    <message>
        <source>后端拒绝了这条批注：{0}</source>
        <translation>The backend refused the note: {0}</translation>
    </message>
</context>
<context>
    <name>Council</name>
    <message>
        <source>指挥台提交</source>
        <translation>from the command desk</translation>
    </message>
    <message>
        <source>推诿</source>
        <translation>buck-passing</translation>
    </message>
    <message>
        <source>多次退回</source>
        <translation>returned repeatedly</translation>
    </message>
    <message>
        <source>超期</source>
        <translation>overdue</translation>
    </message>
    <message>
        <source>街道上报</source>
        <translation>escalated by the street</translation>
    </message>
    <message>
        <source>疑难</source>
        <translation>hard</translation>
    </message>
    <message>
        <source>指定承办</source>
        <translation>Assign</translation>
    </message>
    <message>
        <source>牵头 + 配合</source>
        <translation>Lead + support</translation>
    </message>
    <message>
        <source>改派</source>
        <translation>Reroute</translation>
    </message>
    <message>
        <source>结案</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>仅记录</source>
        <translation>Note only</translation>
    </message>
</context>
<context>
    <name>CouncilBoard</name>
    <message>
        <source>上移</source>
        <translation>Up</translation>
    </message>
    <message>
        <source>下移</source>
        <translation>Down</translation>
    </message>
    <message>
        <source>置顶</source>
        <translation>To the top</translation>
    </message>
    <message>
        <source>移出议程</source>
        <translation>Take off</translation>
    </message>
    <message>
        <source>由本台主持</source>
        <translation>Drive the room</translation>
    </message>
    <message>
        <source>本台选中的案件同时显示在会商室的每台会商席上；不主持时跟随主持席</source>
        <translation>The case chosen here is shown on every council seat of the room; when not driving, this seat follows the one that drives</translation>
    </message>
    <message>
        <source>大字演示（F5）</source>
        <translation>Present (F5)</translation>
    </message>
    <message>
        <source>参会人员，以顿号或逗号分隔</source>
        <translation>Attendees, separated by commas</translation>
    </message>
    <message>
        <source>导出会议纪要</source>
        <translation>Export the minutes</translation>
    </message>
    <message>
        <source>冻结于会议开始</source>
        <translation>Freeze at the meeting&apos;s start</translation>
    </message>
    <message>
        <source>整面墙停在会议开始的时刻（回放），讨论的数据不再变化；再按一次或按 Esc 回到实时</source>
        <translation>The whole wall held at the meeting&apos;s start (replay), so the figures under discussion stay still; press again or Esc to return to live</translation>
    </message>
    <message>
        <source>议程为空</source>
        <translation>The agenda is empty</translation>
    </message>
    <message>
        <source>序号</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>决定</source>
        <translation>Decision</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>新时限</source>
        <translation>New deadline</translation>
    </message>
    <message>
        <source>会议意见（随决定发送）</source>
        <translation>The meeting&apos;s view (sent with the decision)</translation>
    </message>
    <message>
        <source>记录并发送决定</source>
        <translation>Record and send the decision</translation>
    </message>
    <message>
        <source>牵头部门</source>
        <translation>Lead department</translation>
    </message>
    <message>
        <source>配合部门</source>
        <translation>Supporting</translation>
    </message>
    <message>
        <source>时限</source>
        <translation>Deadline</translation>
    </message>
    <message>
        <source>意见</source>
        <translation>View</translation>
    </message>
    <message>
        <source>以往决定</source>
        <translation>Earlier decisions</translation>
    </message>
    <message>
        <source>，超期 {0}</source>
        <translation>, overdue {0}</translation>
    </message>
    <message>
        <source>议程 · {0} 件</source>
        <translation>Agenda · {0} cases</translation>
    </message>
    <message>
        <source> 等 {0} 个</source>
        <translation> and others, {0} in all</translation>
    </message>
    <message>
        <source>（无）</source>
        <translation>(none)</translation>
    </message>
    <message>
        <source>流转 {0} 次，退回 {1} 次，推诿耗时 {2}；反映 {3} 次；职责相符的部门：{4}</source>
        <translation>{0} hand-overs, {1} returns, {2} lost to bouncing; reported {3} times; departments whose duties cover it: {4}</translation>
    </message>
    <message>
        <source>（职责相符）</source>
        <translation> (duty matches)</translation>
    </message>
</context>
<context>
    <name>DepartmentHeat</name>
    <message>
        <source>在办</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>超期</source>
        <translation>Late</translation>
    </message>
    <message>
        <source>按期率</source>
        <translation>On-time</translation>
    </message>
    <message>
        <source>退回</source>
        <translation>Ret.</translation>
    </message>
    <message>
        <source>返工</source>
        <translation>Rework</translation>
    </message>
    <message>
        <source>满意</source>
        <translation>Satisf.</translation>
    </message>
    <message>
        <source>综合</source>
        <translation>Score</translation>
    </message>
    <message>
        <source>单击：在队列中只看这个部门的案件</source>
        <translation>Click: show only this department&apos;s cases in the queue</translation>
    </message>
</context>
<context>
    <name>Evidence</name>
    <message>
        <source>处理反馈前</source>
        <translation>Before feedback</translation>
    </message>
    <message>
        <source>处理反馈后</source>
        <translation>After feedback</translation>
    </message>
    <message>
        <source>{0}（{1} 张）</source>
        <translation>{0} ({1})</translation>
    </message>
    <message>
        <source>（图片无法读取）</source>
        <translation>(picture unreadable)</translation>
    </message>
    <message>
        <source>现场画面 · 案件 {0}</source>
        <translation>On-site picture · case {0}</translation>
    </message>
</context>
<context>
    <name>FilterChips</name>
    <message>
        <source>去掉这个筛选：{0}</source>
        <translation>Remove this filter: {0}</translation>
    </message>
</context>
<context>
    <name>GridMap</name>
    <message>
        <source>东城区网格地图</source>
        <translation>Dongcheng grid map</translation>
    </message>
    <message>
        <source>无灯</source>
        <translation>No light</translation>
    </message>
    <message>
        <source>绿灯</source>
        <translation>Green</translation>
    </message>
    <message>
        <source>黄灯</source>
        <translation>Yellow</translation>
    </message>
    <message>
        <source>红灯</source>
        <translation>Red</translation>
    </message>
    <message>
        <source>无灯案件</source>
        <translation>No-light cases</translation>
    </message>
    <message>
        <source>绿灯案件</source>
        <translation>Green cases</translation>
    </message>
    <message>
        <source>黄灯案件</source>
        <translation>Yellow cases</translation>
    </message>
    <message>
        <source>红灯案件</source>
        <translation>Red cases</translation>
    </message>
    <message>
        <source>聚合（件数）</source>
        <translation>Cluster (cases)</translation>
    </message>
    <message>
        <source>{n} 件案件</source>
        <translation>{n} cases</translation>
    </message>
    <message>
        <source>案件已不在地图上</source>
        <translation>Case no longer on the map</translation>
    </message>
    <message>
        <source>{n} 格</source>
        <translation>{n} grids</translation>
    </message>
    <message>
        <source>全区</source>
        <translation>District</translation>
    </message>
    <message>
        <source>显示全区</source>
        <translation>Show the whole district</translation>
    </message>
    <message>
        <source>按单元网格</source>
        <translation>by unit grid</translation>
    </message>
    <message>
        <source>按基础网格</source>
        <translation>by base grid</translation>
    </message>
    <message>
        <source>所在基础网格合计：{n}</source>
        <translation>Its base grid in all: {n}</translation>
    </message>
    <message>
        <source>摄像头 {n} 台</source>
        <translation>{n} cameras</translation>
    </message>
    <message>
        <source>摄像头在线</source>
        <translation>Camera online</translation>
    </message>
    <message>
        <source>摄像头离线</source>
        <translation>Camera offline</translation>
    </message>
    <message>
        <source>单击：上墙；右键地图任意处：附近摄像头上墙</source>
        <translation>Click: on the wall; right-click anywhere on the map: the nearest cameras on the wall</translation>
    </message>
    <message>
        <source>{n} 台摄像头</source>
        <translation>{n} cameras</translation>
    </message>
    <message>
        <source>其中离线 {n} 台</source>
        <translation>{n} of them offline</translation>
    </message>
</context>
<context>
    <name>KpiStrip</name>
    <message>
        <source>今日受理</source>
        <translation>Intake today</translation>
    </message>
    <message>
        <source>在办</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>疑难</source>
        <translation>Hard</translation>
    </message>
    <message>
        <source>12345响应率</source>
        <translation>12345 response</translation>
    </message>
    <message>
        <source>解决率</source>
        <translation>Resolution</translation>
    </message>
    <message>
        <source>满意率</source>
        <translation>Satisfaction</translation>
    </message>
    <message>
        <source>结案率</source>
        <translation>Closure</translation>
    </message>
    <message>
        <source>单击或回车：在队列中查看这些案件</source>
        <translation>Click or Enter: see these cases in the queue</translation>
    </message>
    <message>
        <source>收集</source>
        <comment>short name of the step 信息收集 (collect)</comment>
        <translation>Collect</translation>
    </message>
    <message>
        <source>立案</source>
        <comment>short name of the step 案件建立 (file)</comment>
        <translation>File</translation>
    </message>
    <message>
        <source>派遣</source>
        <comment>short name of the step 任务派遣 (dispatch)</comment>
        <translation>Dispatch</translation>
    </message>
    <message>
        <source>处理</source>
        <comment>short name of the step 任务处理 (handle)</comment>
        <translation>Handle</translation>
    </message>
    <message>
        <source>反馈</source>
        <comment>short name of the step 处理反馈 (feedback)</comment>
        <translation>Feedback</translation>
    </message>
    <message>
        <source>受理渠道：{0}</source>
        <translation>By channel: {0}</translation>
    </message>
    <message>
        <source>在办环节：{0}</source>
        <translation>By step: {0}</translation>
    </message>
    <message>
        <source>待会商</source>
        <translation>to council</translation>
    </message>
    <message>
        <source>{0:,} 件</source>
        <translation>{0:,} cases</translation>
    </message>
    <message>
        <source>回访 {0:,}</source>
        <translation>callbacks {0:,}</translation>
    </message>
</context>
<context>
    <name>LeaderBoard</name>
    <message>
        <source>12345 响应率</source>
        <translation>12345 response</translation>
    </message>
    <message>
        <source>12345 解决率</source>
        <translation>12345 resolution</translation>
    </message>
    <message>
        <source>12345 满意率</source>
        <translation>12345 satisfaction</translation>
    </message>
    <message>
        <source>结案率</source>
        <translation>Closure</translation>
    </message>
    <message>
        <source>按期结案率</source>
        <translation>On-time closure</translation>
    </message>
    <message>
        <source>在办案件</source>
        <translation>Open cases</translation>
    </message>
    <message>
        <source>超期案件</source>
        <translation>Overdue cases</translation>
    </message>
    <message>
        <source>正在等待数据…</source>
        <translation>Waiting for data…</translation>
    </message>
    <message>
        <source>{0} 天</source>
        <translation>{0} days</translation>
    </message>
    <message>
        <source>今日</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>街道 · 按期结案率 前五</source>
        <translation>Streets · on-time closure · best five</translation>
    </message>
    <message>
        <source>街道 · 按期结案率 后五</source>
        <translation>Streets · on-time closure · worst five</translation>
    </message>
    <message>
        <source>部门 · 按期结案率 前五</source>
        <translation>Departments · on-time closure · best five</translation>
    </message>
    <message>
        <source>部门 · 按期结案率 后五</source>
        <translation>Departments · on-time closure · worst five</translation>
    </message>
    <message>
        <source>导出简报（PDF）…</source>
        <translation>Briefing (PDF)…</translation>
    </message>
    <message>
        <source>一页 A4 简报：指标、趋势与排名，注明数据时间</source>
        <translation>A one-page A4 briefing: figures, trends and rankings, with the time of the data (in Chinese)</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>较前七天</source>
        <translation>vs 7 days before</translation>
    </message>
    <message>
        <source>实时</source>
        <translation>live</translation>
    </message>
    <message>
        <source>非实时</source>
        <translation>not live</translation>
    </message>
    <message>
        <source>东城区 · 数据截至 {0}（{1}）</source>
        <translation>Dongcheng · data as of {0} ({1})</translation>
    </message>
    <message>
        <source>{0:.1f} 个百分点</source>
        <translation>{0:.1f} points</translation>
    </message>
    <message>
        <source>件</source>
        <translation>cases</translation>
    </message>
    <message>
        <source>{0} · 今日逐时（{1}）</source>
        <translation>{0} · today, hour by hour ({1})</translation>
    </message>
    <message>
        <source>{0} · 近 {1} 天（{2}）</source>
        <translation>{0} · last {1} days ({2})</translation>
    </message>
</context>
<context>
    <name>LinkHealthBar</name>
    <message>
        <source>连接中</source>
        <translation>Connecting</translation>
    </message>
    <message>
        <source>同步中</source>
        <translation>Syncing</translation>
    </message>
    <message>
        <source>实时</source>
        <translation>Live</translation>
    </message>
    <message>
        <source>数据过时</source>
        <translation>Stale</translation>
    </message>
    <message>
        <source>已停止</source>
        <translation>Stopped</translation>
    </message>
    <message>
        <source>落后</source>
        <translation>BEHIND</translation>
    </message>
    <message>
        <source>载入中</source>
        <translation>LOADING</translation>
    </message>
    <message>
        <source>   正在接收快照：已收 {0:,} 条</source>
        <translation>   receiving snapshot: {0:,} records</translation>
    </message>
    <message>
        <source>最新数据 {age}   {rate:,.0f} 条/秒   序号 {seq:,}   重新同步 {resyncs}   丢失 {gaps}   拒收 {rejects:,}</source>
        <translation>newest data {age}   {rate:,.0f} records/s   seq {seq:,}   resyncs {resyncs}   gaps {gaps}   rejected {rejects:,}</translation>
    </message>
    <message>
        <source>   待显示 {0:,} 条 · 落后 {1:.0f} 秒</source>
        <translation>   {0:,} waiting · {1:.0f} s behind</translation>
    </message>
    <message>
        <source>   链路重启 {0}</source>
        <translation>   Link restarts {0}</translation>
    </message>
    <message>
        <source>   断开 {0}</source>
        <translation>   Disconnects {0}</translation>
    </message>
    <message>
        <source>   {0:.0f} 秒后重新请求快照</source>
        <translation>   Snapshot asked again in {0:.0f} s</translation>
    </message>
    <message>
        <source>端点 {0}</source>
        <translation>Endpoint {0}</translation>
    </message>
    <message>
        <source>序号 {0:,}（后端 {1:,}）</source>
        <translation>Sequence {0:,} (server {1:,})</translation>
    </message>
    <message>
        <source>拒收 {0:,}</source>
        <translation>Rejects {0:,}</translation>
    </message>
    <message>
        <source>重新同步 {0} · 链路重启 {1} · 连接断开 {2}（后端离线，或一帧超过上限）</source>
        <translation>Re-syncs {0} · link restarts {1} · disconnects {2} (server gone, or a frame over the limit)</translation>
    </message>
    <message>
        <source>快照接收中 {0:,} 条 {1:.1f} MiB</source>
        <translation>Snapshot under way: {0:,} records, {1:.1f} MiB</translation>
    </message>
    <message>
        <source>同步期间暂存 {0:,} 条 {1:.1f} MiB</source>
        <translation>Held while syncing: {0:,} updates, {1:.1f} MiB</translation>
    </message>
    <message>
        <source>已交付待显示 {0:.1f} MiB</source>
        <translation>Delivered, not yet shown: {0:.1f} MiB</translation>
    </message>
    <message>
        <source>最近拒收</source>
        <translation>Last reject</translation>
    </message>
    <message>
        <source>画面最近拒收</source>
        <translation>Last refused by the picture</translation>
    </message>
    <message>
        <source>最近重新同步</source>
        <translation>Last re-sync</translation>
    </message>
    <message>
        <source>最近链路重启</source>
        <translation>Last link restart</translation>
    </message>
    <message>
        <source>最近断开</source>
        <translation>Last disconnect</translation>
    </message>
</context>
<context>
    <name>Panels</name>
    <message>
        <source>网格地图</source>
        <translation>Grid map</translation>
    </message>
    <message>
        <source>全区指标</source>
        <translation>District figures</translation>
    </message>
    <message>
        <source>案件队列</source>
        <translation>Case queue</translation>
    </message>
    <message>
        <source>案件详情</source>
        <translation>Case detail</translation>
    </message>
    <message>
        <source>部门热力</source>
        <translation>Department heat</translation>
    </message>
    <message>
        <source>街道</source>
        <translation>Streets</translation>
    </message>
    <message>
        <source>值班告警</source>
        <translation>Duty alarms</translation>
    </message>
    <message>
        <source>全区态势</source>
        <translation>District overview</translation>
    </message>
    <message>
        <source>摄像头墙</source>
        <translation>Camera wall</translation>
    </message>
    <message>
        <source>协调会商</source>
        <translation>Council</translation>
    </message>
    <message>
        <source>此面板无法载入：{0}</source>
        <translation>This panel could not load: {0}</translation>
    </message>
</context>
<context>
    <name>ReplayBar</name>
    <message>
        <source>▶ {0:.0f}×</source>
        <translation>▶ {0:.0f}×</translation>
    </message>
    <message>
        <source>回到实时</source>
        <translation>Back to live</translation>
    </message>
    <message>
        <source>实时</source>
        <translation>Live</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>东城区网格化服务管理中心 · 指挥台</source>
        <translation>Dongcheng Grid Service Management Center · Command Console</translation>
    </message>
    <message>
        <source>东城区网格化服务管理中心 · 协调会商</source>
        <translation>Dongcheng Grid Service Management Center · Coordination Council</translation>
    </message>
    <message>
        <source>东城区网格化服务管理中心 · 领导视图</source>
        <translation>Dongcheng Grid Service Management Center · Leaders&apos; View</translation>
    </message>
</context>
<context>
    <name>RoomView</name>
    <message>
        <source>协调会商 · 会商室大屏</source>
        <translation>Coordination council · the room screen</translation>
    </message>
</context>
<context>
    <name>StreetsPanel</name>
    <message>
        <source>街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <source>点击一行：队列只列这个街道的案件</source>
        <translation>Click a row: the queue lists only that street&apos;s cases</translation>
    </message>
    <message>
        <source>小循环</source>
        <translation>Small</translation>
    </message>
    <message>
        <source>在街道小循环中的在办案件</source>
        <translation>Open cases in the street&apos;s small loop</translation>
    </message>
    <message>
        <source>大循环</source>
        <translation>Big</translation>
    </message>
    <message>
        <source>在区级大循环中的在办案件</source>
        <translation>Open cases in the district&apos;s big loop</translation>
    </message>
    <message>
        <source>上报比例</source>
        <translation>Escalated</translation>
    </message>
    <message>
        <source>街道上报区级（请办）的案件占其小循环案件的比例；▲ 超过控制线</source>
        <translation>Share of the street&apos;s small-loop cases it escalated to the district; ▲ over the limit</translation>
    </message>
    <message>
        <source>控制线</source>
        <translation>Limit</translation>
    </message>
    <message>
        <source>上报比例的上限</source>
        <translation>The highest share of escalated cases allowed</translation>
    </message>
    <message>
        <source>超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>超过办理时限的案件</source>
        <translation>Cases past their deadline</translation>
    </message>
</context>
<context>
    <name>Tile</name>
    <message>
        <source>共 {0:,} 件</source>
        <translation>of {0:,} cases</translation>
    </message>
    <message>
        <source>件</source>
        <translation>cases</translation>
    </message>
    <message>
        <source>较昨日</source>
        <translation>vs yesterday</translation>
    </message>
    <message>
        <source>较上周同日</source>
        <translation>vs a week ago</translation>
    </message>
    <message>
        <source>目标 ≥ {0}</source>
        <translation>target ≥ {0}</translation>
    </message>
    <message>
        <source>{0} —</source>
        <translation>{0} —</translation>
    </message>
    <message>
        <source>{0} {1}{2:.1f} 个百分点</source>
        <translation>{0} {1}{2:.1f} points</translation>
    </message>
    <message>
        <source>{0} {1}{2:,.0f}</source>
        <translation>{0} {1}{2:,.0f}</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <source>链路已停止 · 数据已过时 · 最新数据 {0}</source>
        <translation>Link stopped · data out of date · newest data {0}</translation>
    </message>
    <message>
        <source>链路中断 · 数据已过时 · 最新数据 {0} · 正在重连</source>
        <translation>Link down · data is stale · newest data {0} · reconnecting</translation>
    </message>
    <message>
        <source> · 链路已自动重启 {0} 次</source>
        <translation> · link restarted itself {0} times</translation>
    </message>
    <message>
        <source> · 连接断开 {0} 次（后端离线，或一帧超过上限）</source>
        <translation> · disconnected {0} times (server gone, or a frame over the limit)</translation>
    </message>
    <message>
        <source>画面落后于后端 {0:.0f} 秒 · 待显示 {1:,} 条 · 正在追赶</source>
        <translation>The wall is {0:.0f} s behind the backend · {1:,} updates waiting · catching up</translation>
    </message>
    <message>
        <source>{0} · 历史回放 {1}（非实时）</source>
        <translation>{0} · replay {1} (not live)</translation>
    </message>
    <message>
        <source>{0} · 数据截至 {1}（非实时）</source>
        <translation>{0} · data as of {1} (not live)</translation>
    </message>
    <message>
        <source>历史回放 · {0}（北京时间）· 非实时 · 按 Esc 回到实时</source>
        <translation>Replay · {0} (Beijing time) · not live · Esc returns to live</translation>
    </message>
    <message>
        <source>上次已知状态</source>
        <translation>Last known state</translation>
    </message>
    <message>
        <source>{0} · 数据截至 {1}（北京时间）· 非实时</source>
        <translation>{0} · data as of {1} (Beijing time) · not live</translation>
    </message>
    <message>
        <source>正在载入链路快照</source>
        <translation>Loading the link snapshot</translation>
    </message>
    <message>
        <source>正在载入上次已知状态</source>
        <translation>Loading the last known state</translation>
    </message>
    <message>
        <source>{0}：{1:,} / {2:,} 条（{3:.0%}）</source>
        <translation>{0}: {1:,} / {2:,} records ({3:.0%})</translation>
    </message>
    <message>
        <source>写入落后，待写的更新已由快照取代（其明细未记入日志）</source>
        <translation>writes falling behind: a snapshot replaced the updates waiting to be written (their detail is not journalled)</translation>
    </message>
    <message>
        <source>写入失败（{0}），暂停记录更新</source>
        <translation>write failed ({0}): updates are not recorded</translation>
    </message>
    <message>
        <source>存储进程已退出，正在重新启动（其间不记录更新）</source>
        <translation>the store process ended: starting it again (nothing is recorded meanwhile)</translation>
    </message>
    <message>
        <source>写入落后，暂停记录更新</source>
        <translation>writes falling behind: updates are not recorded</translation>
    </message>
    <message>
        <source>显示或隐藏本帮助</source>
        <translation>show or hide this help</translation>
    </message>
    <message>
        <source>搜索案件</source>
        <translation>search cases</translation>
    </message>
    <message>
        <source>切换地图指标</source>
        <translation>next map metric</translation>
    </message>
    <message>
        <source>回到实时（回放时），否则清除筛选</source>
        <translation>back to live (when replaying), else clear the filters</translation>
    </message>
    <message>
        <source>选中案件附近的摄像头上墙</source>
        <translation>the selected case&apos;s nearby cameras on the wall</translation>
    </message>
    <message>
        <source>下一个面板</source>
        <translation>next panel</translation>
    </message>
    <message>
        <source>全屏</source>
        <translation>full screen</translation>
    </message>
    <message>
        <source>保存布局（所有窗口）</source>
        <translation>save the layout (every window)</translation>
    </message>
    <message>
        <source>恢复默认布局</source>
        <translation>default layout</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>quit</translation>
    </message>
    <message>
        <source>⚠ 本地存储告警：{0} — 正在重新同步</source>
        <translation>⚠ Local store alarm: {0} — re-syncing</translation>
    </message>
    <message>
        <source>⚠ 本地存储告警：{0}</source>
        <translation>⚠ Local store alarm: {0}</translation>
    </message>
</context>
<context>
    <name>cameras</name>
    <message>
        <source>链接含有空格或控制字符</source>
        <translation>the link holds spaces or control characters</translation>
    </message>
    <message>
        <source>协议 {0} 不是 rtsp、rtsps、http 或 https</source>
        <translation>the scheme {0} is not rtsp, rtsps, http or https</translation>
    </message>
    <message>
        <source>链接没有主机</source>
        <translation>the link names no host</translation>
    </message>
    <message>
        <source>链接含有用户信息（@ 之前的部分），可冒充其他主机</source>
        <translation>the link holds user information (the part before @), which can pose as another host</translation>
    </message>
    <message>
        <source>主机名含非 ASCII 字符（国际化域名可冒充其他主机）</source>
        <translation>the host name holds non-ASCII characters (an international name can pose as another host)</translation>
    </message>
    <message>
        <source>主机名含 xn-- 标签（国际化域名可冒充其他主机）</source>
        <translation>the host name holds an xn-- label (an international name can pose as another host)</translation>
    </message>
    <message>
        <source>{0} 不是规范的主机名（字母、数字、连字符，连字符不在首尾）</source>
        <translation>{0} is not a plain host name (letters, digits and hyphens, no hyphen first or last)</translation>
    </message>
    <message>
        <source>{0} 不是规范的 IPv4 地址（点分十进制，无前导零）</source>
        <translation>{0} is not an IPv4 address in plain form (dotted decimal, no leading zeros)</translation>
    </message>
    <message>
        <source>{0} 不是规范的 IPv6 地址</source>
        <translation>{0} is not an IPv6 address in its canonical form</translation>
    </message>
    <message>
        <source>端口 {0} 不是 1–65535 之间的数字</source>
        <translation>the port {0} is not a number from 1 to 65535</translation>
    </message>
    <message>
        <source>主机 {0} 不在允许的摄像头网络内</source>
        <translation>the host {0} is not in the allowed camera networks</translation>
    </message>
    <message>
        <source>北</source>
        <translation>N</translation>
    </message>
    <message>
        <source>东北</source>
        <translation>NE</translation>
    </message>
    <message>
        <source>东</source>
        <translation>E</translation>
    </message>
    <message>
        <source>东南</source>
        <translation>SE</translation>
    </message>
    <message>
        <source>南</source>
        <translation>S</translation>
    </message>
    <message>
        <source>西南</source>
        <translation>SW</translation>
    </message>
    <message>
        <source>西</source>
        <translation>W</translation>
    </message>
    <message>
        <source>西北</source>
        <translation>NW</translation>
    </message>
    <message>
        <source>此处</source>
        <translation>here</translation>
    </message>
</context>
<context>
    <name>format_age</name>
    <message>
        <source>无数据</source>
        <translation>no data</translation>
    </message>
    <message>
        <source>刚刚</source>
        <translation>just now</translation>
    </message>
    <message>
        <source>{0:.0f}秒前</source>
        <translation>{0:.0f} s ago</translation>
    </message>
    <message>
        <source>{0:.0f}分钟前</source>
        <translation>{0:.0f} min ago</translation>
    </message>
    <message>
        <source>{0:.0f}小时前</source>
        <translation>{0:.0f} h ago</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <source>信息收集</source>
        <translation>Collect</translation>
    </message>
    <message>
        <source>案件建立</source>
        <translation>File</translation>
    </message>
    <message>
        <source>任务派遣</source>
        <translation>Dispatch</translation>
    </message>
    <message>
        <source>任务处理</source>
        <translation>Handle</translation>
    </message>
    <message>
        <source>处理反馈</source>
        <translation>Feedback</translation>
    </message>
    <message>
        <source>核查结案</source>
        <translation>Verify/close</translation>
    </message>
    <message>
        <source>综合评价</source>
        <translation>Evaluate</translation>
    </message>
    <message>
        <source>小循环</source>
        <translation>Small loop</translation>
    </message>
    <message>
        <source>大循环</source>
        <translation>Big loop</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>Intake</translation>
    </message>
    <message>
        <source>立案</source>
        <translation>File</translation>
    </message>
    <message>
        <source>派遣</source>
        <translation>Dispatch</translation>
    </message>
    <message>
        <source>接收</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>退回</source>
        <translation>Return</translation>
    </message>
    <message>
        <source>处置</source>
        <translation>Handle</translation>
    </message>
    <message>
        <source>反馈</source>
        <translation>Feedback</translation>
    </message>
    <message>
        <source>核查通过</source>
        <translation>Verified</translation>
    </message>
    <message>
        <source>核查未通过（返工）</source>
        <translation>Failed check (rework)</translation>
    </message>
    <message>
        <source>结案</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>回访</source>
        <translation>Callback</translation>
    </message>
    <message>
        <source>评价</source>
        <translation>Evaluate</translation>
    </message>
    <message>
        <source>上报区级</source>
        <translation>Escalate to district</translation>
    </message>
    <message>
        <source>提交会商</source>
        <translation>Refer to council</translation>
    </message>
    <message>
        <source>会商决定</source>
        <translation>Council decision</translation>
    </message>
    <message>
        <source>● 绿</source>
        <translation>● green</translation>
    </message>
    <message>
        <source>▲ 黄</source>
        <translation>▲ yellow</translation>
    </message>
    <message>
        <source>■ 红</source>
        <translation>■ red</translation>
    </message>
    <message>
        <source>{0}天{1}时</source>
        <translation>{0}d{1}h</translation>
    </message>
    <message>
        <source>{0}时{1:02d}分</source>
        <translation>{0}h{1:02d}m</translation>
    </message>
    <message>
        <source>剩 {0}</source>
        <translation>{0} left</translation>
    </message>
    <message>
        <source>超 {0}</source>
        <translation>{0} late</translation>
    </message>
    <message>
        <source>{street}·{community} {n}号</source>
        <translation>{street} · {community} no. {n}</translation>
    </message>
    <message>
        <source>zh</source>
        <comment>the language of this translation: zh or en</comment>
        <translation>en</translation>
    </message>
    <message>
        <source>{street}基础网格{n}</source>
        <translation>{street} base grid {n}</translation>
    </message>
</context>
</TS>
